// generate() with the prompt prefilled in small chunks (GenerateOptions::prefill_chunk_tokens)
// gives transformers' tokens on the tiny decoders' left-padded batches, as one pass does, for
// full-attention and sliding-window models, greedy and beam search; and chunking really splits
// the prefill into passes of at most that many tokens.
#include <gtest/gtest.h>

#include <filesystem>

#include "fake_lm.h"
#include "tiny_decoder_golden.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/models/causal_lm.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

using hfcpp::testing::load_tiny_decoder_golden;
using hfcpp::testing::rows_of;
using Golden = hfcpp::testing::TinyDecoderGolden;

GenerateOptions options_for(const Golden& g, const char* meta_key, int64_t chunk_tokens) {
  GenerateOptions o;
  o.config = GenerationConfig::from_model_folder(g.folder);
  const core::Json j = core::parse_json(g.golden.metadata().at(meta_key), "metadata");
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
  auto g = load_tiny_decoder_golden(GetParam());
  if (!g) GTEST_SKIP() << "no tiny model or golden for " << GetParam();
  auto lm = models::load_causal_lm(g->folder);
  const auto greedy = rows_of(g->golden.tensor("greedy_sequences"));
  const auto beams = rows_of(g->golden.tensor("beam_sequences"));
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
