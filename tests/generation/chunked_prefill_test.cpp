// generate() with the prompt prefilled in small chunks (GenerateOptions::prefill_chunk_tokens)
// gives transformers' tokens on the tiny decoders' left-padded batches, as one pass does, for
// full-attention and sliding-window models, greedy and beam search; and chunking really splits
// the prefill into passes of at most that many tokens.
#include <gtest/gtest.h>

#include <filesystem>

#include "fake_lm.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/models/causal_lm.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

std::vector<std::vector<int64_t>> rows_of(const tensor::Tensor& t) {
  const tensor::Tensor c = t.to(tensor::DType::I64).contiguous();
  std::vector<std::vector<int64_t>> out;
  for (int64_t r = 0; r < c.size(0); ++r)
    out.emplace_back(c.data<int64_t>() + r * c.size(1), c.data<int64_t>() + (r + 1) * c.size(1));
  return out;
}

struct Golden {
  std::string folder;
  formats::SafetensorsFile file;
  std::vector<std::vector<int64_t>> prompts;  // unpadded
};

std::optional<Golden> load_golden(const std::string& name) {
  const std::string folder = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
  const std::string path = std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/decoder_" + name + ".safetensors";
  if (!std::filesystem::exists(path) || !std::filesystem::exists(folder)) return std::nullopt;
  Golden g{folder, formats::SafetensorsFile::open(path), {}};
  const auto ids = rows_of(g.file.tensor("input_ids"));
  const auto mask = rows_of(g.file.tensor("attention_mask"));
  for (size_t r = 0; r < ids.size(); ++r) {
    std::vector<int64_t> p;
    for (size_t j = 0; j < ids[r].size(); ++j)
      if (mask[r][j]) p.push_back(ids[r][j]);
    g.prompts.push_back(std::move(p));
  }
  return g;
}

GenerateOptions options_for(const Golden& g, const char* meta_key, int64_t chunk_tokens) {
  GenerateOptions o;
  o.config = GenerationConfig::from_model_folder(g.folder);
  const core::Json j = core::parse_json(g.file.metadata().at(meta_key), "metadata");
  o.config.max_new_tokens = j["max_new_tokens"].get<int64_t>();
  o.config.pad_token_id = j["pad_token_id"].get<int64_t>();
  if (j.contains("num_beams")) {
    o.config.num_beams = j["num_beams"];
    o.config.num_return_sequences = j["num_return_sequences"];
    o.config.length_penalty = j["length_penalty"];
    o.config.early_stopping = j["early_stopping"].get<bool>() ? EarlyStopping::True : EarlyStopping::False;
  }
  o.prefill_chunk_tokens = chunk_tokens;
  return o;
}

class ChunkedPrefillGeneration : public ::testing::TestWithParam<const char*> {};

TEST_P(ChunkedPrefillGeneration, GreedyAndBeamTokensEqualTransformers) {
  auto g = load_golden(GetParam());
  if (!g) GTEST_SKIP() << "no tiny model or golden for " << GetParam();
  auto lm = models::load_causal_lm(g->folder);
  const auto greedy = rows_of(g->file.tensor("greedy_sequences"));
  const auto beams = rows_of(g->file.tensor("beam_sequences"));
  // 3 rows: one position per pass, then 2 per pass.
  for (int64_t chunk : {1, 6}) {
    SCOPED_TRACE(chunk);
    EXPECT_EQ(generate(*lm, g->prompts, options_for(*g, "greedy", chunk)).sequences, greedy);
    EXPECT_EQ(generate(*lm, g->prompts, options_for(*g, "beam", chunk)).sequences, beams);
  }
}

// Full attention, sliding windows (mistral, qwen2; gemma3_text mixes both), learned positions.
INSTANTIATE_TEST_SUITE_P(Models, ChunkedPrefillGeneration,
                         ::testing::Values("llama", "mistral", "qwen2", "gemma3_text", "gpt2"));

TEST(ChunkedPrefill, SplitsThePromptIntoPassesOfAtMostTheChunk) {
  fake::FakeLM lm;
  GenerateOptions o;
  o.config.max_new_tokens = 3;
  o.prefill_chunk_tokens = 4;  // 2 rows: 2 positions per pass
  const std::vector<std::vector<int64_t>> prompts = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {4, 5, 6}};
  const auto chunked = generate(lm, prompts, o);
  EXPECT_EQ(lm.forward_calls, 5 + 2);  // 10 positions in 5 passes, then 2 decode steps
  EXPECT_EQ(chunked.prefill_tokens, 10);

  fake::FakeLM whole_lm;
  o.prefill_chunk_tokens = 0;
  EXPECT_EQ(generate(whole_lm, prompts, o).sequences, chunked.sequences);
  EXPECT_EQ(whole_lm.forward_calls, 1 + 2);

  o.prefill_chunk_tokens = -1;
  EXPECT_THROW(generate(lm, prompts, o), Error);
}

}  // namespace
