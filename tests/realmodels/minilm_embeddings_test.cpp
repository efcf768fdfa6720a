// The real default model, sentence-transformers/all-MiniLM-L6-v2 (installed into the HF cache by
// scripts/setup), against sentence-transformers' embeddings of 1,000 varied inputs
// (scripts/golden/make_minilm_embeddings.py): cosine similarity >= 0.99999 for every input.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/pipelines/sentence_embeddings.h"

using namespace hfcpp;

namespace {

constexpr const char* kModel = "sentence-transformers/all-MiniLM-L6-v2";


std::vector<std::string> corpus_lines() {
  std::ifstream in(std::string(HFCPP_SOURCE_DIR) + "/../shared/data/tokenizers/corpus/dev.jsonl");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(core::parse_json(line, "dev.jsonl").get<std::string>());
  return out;
}

std::optional<pipelines::SentenceEmbedder> load_or_skip() {
  try {
    return pipelines::SentenceEmbedder::load(kModel);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) return std::nullopt;
    throw;
  }
}

TEST(AllMiniLmL6V2, MatchesSentenceTransformersOn1000Inputs) {
  auto embedder = load_or_skip();
  if (!embedder) GTEST_SKIP() << kModel << " is not in the Hugging Face cache: run scripts/setup";
  auto golden = formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) +
                                               "/tests/golden/models/all-minilm-l6-v2.embeddings.safetensors");
  auto expected = golden.tensor("embeddings");
  auto index = golden.tensor("index");
  auto lines = corpus_lines();
  ASSERT_GT(lines.size(), 1000u) << "corpus missing: ../shared/data/tokenizers/corpus/dev.jsonl";
  std::vector<std::string> texts;
  for (int64_t i = 0; i < index.numel(); ++i) texts.push_back(lines.at(index.data<int64_t>()[i]));
  ASSERT_EQ(texts.size(), 1000u);

  auto actual = embedder->embed(texts, 32);
  ASSERT_EQ(actual.shape(), expected.shape());
  EXPECT_TRUE(embedder->normalizes());
  const int64_t dim = actual.size(1);
  const float* a = actual.data<float>();
  const float* e = expected.data<float>();
  double worst = 1.0;
  int64_t worst_i = -1;
  int64_t below = 0;
  for (int64_t i = 0; i < actual.size(0); ++i) {
    double dot = 0, na = 0, ne = 0;
    for (int64_t d = 0; d < dim; ++d) {
      dot += double(a[i * dim + d]) * e[i * dim + d];
      na += double(a[i * dim + d]) * a[i * dim + d];
      ne += double(e[i * dim + d]) * e[i * dim + d];
    }
    double cos = dot / std::sqrt(na * ne);
    if (cos < 0.99999) {
      ++below;
      if (below <= 5) ADD_FAILURE() << "input " << index.data<int64_t>()[i] << ": cosine " << cos << ": " << texts[i].substr(0, 80);
    }
    if (cos < worst) {
      worst = cos;
      worst_i = i;
    }
  }
  EXPECT_EQ(below, 0) << below << " of " << actual.size(0) << " inputs below cosine 0.99999";
  RecordProperty("worst_cosine", std::to_string(worst));
  std::printf("worst cosine over %lld inputs: %.8f (input %lld)\n", static_cast<long long>(actual.size(0)), worst,
              static_cast<long long>(worst_i));
}

}  // namespace
