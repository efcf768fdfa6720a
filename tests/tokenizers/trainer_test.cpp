// Trainers against the reference trainers' output (goldens by scripts/golden/make_tokenizer_train.py
// on the shared corpus): BPE vocab and merges identical; Unigram the same pieces with scores
// within 1e-9. Plus small hand-checked cases that need no data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "golden_util.h"
#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "hfcpp/tokenizers/trainer.h"
#include "temp_path.h"

namespace hfcpp::tokenizers {
namespace {

using testing::data_dir;
using testing::read_gz_lines;

core::Json golden(const std::string& name) {
  auto lines = read_gz_lines(HFCPP_SOURCE_DIR "/tests/golden/tokenizers/train/" + name);
  if (lines.size() != 1) return nullptr;
  return core::Json::parse(lines[0]);
}

std::string corpus() { return data_dir() + "/corpus/dev.txt"; }

TEST(BpeTrainer, WhitespaceMatchesReference) {
  if (!std::filesystem::exists(corpus())) GTEST_SKIP() << "shared corpus not found";
  core::Json want = golden("bpe.json.gz");
  ASSERT_FALSE(want.is_null());
  TrainerOptions o;
  o.vocab_size = 3000;
  o.special_tokens = {"[UNK]"};
  core::Json got = core::Json::parse(train_tokenizer({corpus()}, o))["model"];
  EXPECT_EQ(got["vocab"], want["vocab"]);
  EXPECT_EQ(got["merges"], want["merges"]);
}

TEST(BpeTrainer, ByteLevelMatchesReference) {
  if (!std::filesystem::exists(corpus())) GTEST_SKIP() << "shared corpus not found";
  core::Json want = golden("byte_level.json.gz");
  ASSERT_FALSE(want.is_null());
  TrainerOptions o;
  o.vocab_size = 1000;
  o.special_tokens = {"<|endoftext|>"};
  TrainerPipeline p;
  p.byte_level = true;
  std::string json = train_tokenizer({corpus()}, o, p);
  core::Json got = core::Json::parse(json)["model"];
  EXPECT_EQ(got["vocab"], want["vocab"]);
  EXPECT_EQ(got["merges"], want["merges"]);
  // The trained file loads and round-trips text.
  Tokenizer tok = Tokenizer::from_json(json);
  Encoding e = tok.encode("Hello wörld  \t 123", false);
  EXPECT_EQ(tok.decode(e.ids), "Hello wörld  \t 123");
  EXPECT_EQ(tok.token_to_id("<|endoftext|>"), 0u);
}

TEST(UnigramTrainer, MatchesReferencePieces) {
  if (!std::filesystem::exists(corpus())) GTEST_SKIP() << "shared corpus not found";
  core::Json want = golden("unigram.json.gz");
  ASSERT_FALSE(want.is_null());
  std::string head = hfcpp::testing::unique_temp_path("unigram_head.txt");
  {
    std::ifstream in(corpus(), std::ios::binary);
    std::ofstream out(head, std::ios::binary);
    std::string line;
    for (int i = 0; i < 400 && std::getline(in, line); ++i) out << line << '\n';
  }
  TrainerOptions o;
  o.model = TrainerModel::Unigram;
  o.vocab_size = 500;
  o.special_tokens = {"<unk>"};
  o.unk_token = "<unk>";
  core::Json got = core::Json::parse(train_tokenizer({head}, o))["model"];
  std::map<std::string, double> want_scores, got_scores;
  double min_score = 0;
  for (const auto& p : want["vocab"]) {
    want_scores[p[0].get<std::string>()] = p[1].get<double>();
    min_score = std::min(min_score, p[1].get<double>());
  }
  for (const auto& p : got["vocab"]) got_scores[p[0].get<std::string>()] = p[1].get<double>();
  ASSERT_EQ(got_scores.size(), want_scores.size());
  // Characters re-added at min_score + 0.0001 k follow the reference's random set order.
  double floor = min_score + 0.0001 * static_cast<double>(want_scores.size());
  for (const auto& [piece, score] : want_scores) {
    ASSERT_TRUE(got_scores.count(piece)) << "missing piece '" << piece << "'";
    if (score > floor) {
      EXPECT_NEAR(got_scores[piece], score, 1e-9) << piece;
    }
  }
  EXPECT_EQ(got["unk_id"], 0);
  EXPECT_EQ(got["vocab"][0][0], "<unk>");
}

TEST(BpeTrainer, SmallCountsByHand) {
  // "aaab" x 3 and "ab" x 2: pairs (a,a)=6, (a,b)=5 -> merge "aa" first; then (aa,a)... as the
  // reference's trainer counts them.
  WordCounts counts = {{"aaab", 3}, {"ab", 2}};
  TrainerOptions o;
  o.vocab_size = 5;  // a, b + 3 merges
  core::Json m = core::Json::parse(train_tokenizer_from_counts(counts, o))["model"];
  EXPECT_EQ(m["vocab"], core::Json::parse(R"({"a":0,"b":1,"aa":2,"ab":3,"aaab":4})"));
  EXPECT_EQ(m["merges"], core::Json::parse(R"([["a","a"],["a","b"],["aa","ab"]])"));
  // min_frequency stops early.
  o.vocab_size = 100;
  o.min_frequency = 4;
  m = core::Json::parse(train_tokenizer_from_counts(counts, o))["model"];
  EXPECT_EQ(m["merges"].size(), 2u);
}

TEST(Trainer, BadInputIsAnError) {
  TrainerOptions o;
  EXPECT_THROW(train_tokenizer({}, o), Error);
  EXPECT_THROW(train_tokenizer({"/nonexistent/file.txt"}, o), Error);
  std::string bad = hfcpp::testing::unique_temp_path("bad_utf8.txt");
  std::ofstream(bad) << "ok\n\xff\xfe\n";
  try {
    train_tokenizer({bad}, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("invalid UTF-8"), std::string::npos) << e.what();
  }
  o.model = TrainerModel::Unigram;
  o.vocab_size = 2;
  o.special_tokens = {"<unk>"};
  EXPECT_THROW(train_tokenizer_from_counts({{"abc", 1}}, o), Error);
}

}  // namespace
}  // namespace hfcpp::tokenizers
