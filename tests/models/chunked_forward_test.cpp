// Chunked prefill (models::forward_chunked) against one forward pass on the tiny random decoders:
// a left-padded batch whose prompt runs in passes of a few positions must give the same logits
// at every position and leave the cache as one pass does (the next decode step agrees too),
// for full attention, sliding-window layers (chunks shorter and longer than the window, with the
// dynamic and the trimming sliding cache) and learned positions (gpt2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "hfcpp/models/causal_lm.h"
#include "tolerance.h"
#include "attention_mask_util.h"

using namespace hfcpp;
using hfcpp::models::KvCacheKind;
using hfcpp::tensor::DType;
using hfcpp::tensor::Tensor;

namespace {

// Chunking changes only the row count of each pass, and with it the matmul kernels (passes of
// one or a few positions take the decode path): the same within float rounding, i.e. the f32
// tolerance element by element and within 1e-5 relative as a whole (Frobenius norm).
::testing::AssertionResult same_within_rounding(const Tensor& actual, const Tensor& expected) {
  const std::vector<float> a = actual.to_float_vector(), e = expected.to_float_vector();
  if (a.size() != e.size()) return ::testing::AssertionFailure() << a.size() << " vs " << e.size() << " values";
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (static_cast<double>(a[i]) - e[i]) * (static_cast<double>(a[i]) - e[i]);
    norm += static_cast<double>(e[i]) * e[i];
  }
  const double relative = std::sqrt(diff / std::max(norm, 1e-30));
  if (relative > 1e-5) return ::testing::AssertionFailure() << "relative error (Frobenius) " << relative << " > 1e-5";
  return hfcpp::testing::expect_close_impl(actual, expected, hfcpp::testing::kTolF32);
}

std::string model_dir(const std::string& name) {
  return std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
}

// Three rows of 20, 13 and 5 real tokens, left-padded to 20: ids 3..95, pad 0.
struct PaddedBatch {
  Tensor ids, mask;
  static constexpr int64_t kRows = 3, kWidth = 20;
};

PaddedBatch padded_batch() {
  const int64_t lengths[PaddedBatch::kRows] = {20, 13, 5};
  std::vector<int64_t> ids, mask;
  for (int64_t r = 0; r < PaddedBatch::kRows; ++r)
    for (int64_t j = 0; j < PaddedBatch::kWidth; ++j) {
      const bool real = j >= PaddedBatch::kWidth - lengths[r];
      ids.push_back(real ? 3 + (r * 37 + j * 11) % 93 : 0);
      mask.push_back(real ? 1 : 0);
    }
  return {Tensor::from_data<int64_t>(ids, {PaddedBatch::kRows, PaddedBatch::kWidth}),
          Tensor::from_data<int64_t>(mask, {PaddedBatch::kRows, PaddedBatch::kWidth})};
}

using hfcpp::testing::append_ones;

// Each row's argmax of [B, 1, V] logits, as a [B, 1] I64 tensor (the next decode step's input).
Tensor next_tokens(const Tensor& logits) {
  const Tensor l = logits.contiguous();
  const int64_t B = l.size(0), V = l.size(2);
  std::vector<int64_t> out;
  for (int64_t b = 0; b < B; ++b) {
    const float* p = l.data<float>() + b * V;
    out.push_back(std::max_element(p, p + V) - p);
  }
  return Tensor::from_data<int64_t>(out, {B, 1});
}

struct ChunkCase {
  std::string model;
  KvCacheKind kind;
  int64_t chunk_tokens;  // across the 3 rows: 3 = one position per pass, 12 = 4, 30 = 10
};

std::string case_name(const ::testing::TestParamInfo<ChunkCase>& info) {
  static const char* const kKinds[] = {"dynamic", "static", "sliding", "int8", "int4"};
  return info.param.model + "_" + kKinds[static_cast<int>(info.param.kind)] + "_" +
         std::to_string(info.param.chunk_tokens);
}

class ChunkedPrefill : public ::testing::TestWithParam<ChunkCase> {};

TEST_P(ChunkedPrefill, SameLogitsAndCacheAsOnePass) {
  const ChunkCase& c = GetParam();
  auto lm = models::load_causal_lm(model_dir(c.model));
  const PaddedBatch in = padded_batch();
  const models::KvCacheOptions cache_options{.kind = c.kind, .batch = PaddedBatch::kRows, .max_length = 24};
  auto whole_cache = lm->make_cache(cache_options);
  auto chunked_cache = lm->make_cache(cache_options);
  const auto whole = lm->forward({.input_ids = in.ids, .attention_mask = in.mask}, *whole_cache);
  const auto chunked =
      models::forward_chunked(*lm, {.input_ids = in.ids, .attention_mask = in.mask}, *chunked_cache, c.chunk_tokens);
  ASSERT_EQ(chunked.logits.shape(), whole.logits.shape());
  EXPECT_TRUE(same_within_rounding(chunked.logits, whole.logits));
  EXPECT_EQ(chunked_cache->length(), whole_cache->length());

  // Two decode steps read what the chunks left in the cache.
  Tensor mask = in.mask;
  Tensor token = next_tokens(whole.logits.narrow(1, PaddedBatch::kWidth - 1, 1));
  for (int step = 0; step < 2; ++step) {
    SCOPED_TRACE(step);
    mask = append_ones(mask);
    const models::CausalLMBatch b{.input_ids = token, .attention_mask = mask, .last_token_logits_only = true};
    const auto a = lm->forward(b, *whole_cache);
    const auto d = models::forward_chunked(*lm, b, *chunked_cache, c.chunk_tokens);
    EXPECT_TRUE(same_within_rounding(d.logits, a.logits));
    token = next_tokens(a.logits);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, ChunkedPrefill,
    ::testing::Values(ChunkCase{"llama", KvCacheKind::Dynamic, 3}, ChunkCase{"llama", KvCacheKind::Dynamic, 12},
                      ChunkCase{"llama", KvCacheKind::Static, 30}, ChunkCase{"gpt2", KvCacheKind::Dynamic, 12},
                      // sliding_window 6: chunks of 1, 4 and 10 positions per row.
                      ChunkCase{"mistral", KvCacheKind::Dynamic, 12}, ChunkCase{"mistral", KvCacheKind::SlidingWindow, 3},
                      ChunkCase{"mistral", KvCacheKind::SlidingWindow, 12},
                      ChunkCase{"mistral", KvCacheKind::SlidingWindow, 30},
                      ChunkCase{"gemma3_text", KvCacheKind::SlidingWindow, 12}),
    case_name);

TEST(ChunkedPrefill, LastTokenLogitsOnlyKeepsTheLastChunksAndHiddenStatesJoin) {
  auto lm = models::load_causal_lm(model_dir("qwen3"));
  const PaddedBatch in = padded_batch();
  auto whole_cache = lm->make_cache({.batch = PaddedBatch::kRows});
  const auto whole =
      lm->forward({.input_ids = in.ids, .attention_mask = in.mask, .output_hidden_states = true}, *whole_cache);
  auto last_cache = lm->make_cache({.batch = PaddedBatch::kRows});
  const auto last = models::forward_chunked(
      *lm, {.input_ids = in.ids, .attention_mask = in.mask, .last_token_logits_only = true}, *last_cache, 12);
  ASSERT_EQ(last.logits.shape(), (tensor::Shape{PaddedBatch::kRows, 1, lm->vocab_size()}));
  EXPECT_TRUE(same_within_rounding(last.logits, whole.logits.narrow(1, PaddedBatch::kWidth - 1, 1).contiguous()));

  auto hidden_cache = lm->make_cache({.batch = PaddedBatch::kRows});
  const auto hidden = models::forward_chunked(
      *lm, {.input_ids = in.ids, .attention_mask = in.mask, .output_hidden_states = true}, *hidden_cache, 12);
  ASSERT_EQ(hidden.hidden_states.size(), whole.hidden_states.size());
  for (size_t i = 0; i < whole.hidden_states.size(); ++i)
    EXPECT_TRUE(same_within_rounding(hidden.hidden_states[i], whole.hidden_states[i])) << "hidden state " << i;
}

TEST(ChunkedPrefill, ExplicitPositionIdsAreSlicedWithTheTokens) {
  auto lm = models::load_causal_lm(model_dir("llama"));
  const PaddedBatch in = padded_batch();
  std::vector<int64_t> pos;
  for (int64_t r = 0; r < PaddedBatch::kRows; ++r)
    for (int64_t j = 0; j < PaddedBatch::kWidth; ++j) pos.push_back(5 + 2 * j + r);  // unusual on purpose
  const Tensor positions = Tensor::from_data<int64_t>(pos, {PaddedBatch::kRows, PaddedBatch::kWidth});
  const models::CausalLMBatch b{.input_ids = in.ids, .attention_mask = in.mask, .position_ids = positions};
  auto whole_cache = lm->make_cache({.batch = PaddedBatch::kRows});
  auto chunked_cache = lm->make_cache({.batch = PaddedBatch::kRows});
  const auto whole = lm->forward(b, *whole_cache);
  const auto chunked = models::forward_chunked(*lm, b, *chunked_cache, 9);
  EXPECT_TRUE(same_within_rounding(chunked.logits, whole.logits));
}

TEST(ChunkedPrefill, QuantizedCacheStaysCloseAndPicksTheSameTokens) {
  // Earlier chunks attend to keys not yet quantized, so only closeness is expected; residual 4 and
  // groups of 4 positions make the 20-position prompt quantize groups between chunks.
  auto lm = models::load_causal_lm(model_dir("llama"));
  const PaddedBatch in = padded_batch();
  const models::KvCacheOptions o{
      .kind = KvCacheKind::QuantizedInt8, .batch = PaddedBatch::kRows, .residual_length = 4, .group_size = 4};
  auto whole_cache = lm->make_cache(o);
  auto chunked_cache = lm->make_cache(o);
  const models::CausalLMBatch b{.input_ids = in.ids, .attention_mask = in.mask, .last_token_logits_only = true};
  const auto whole = lm->forward(b, *whole_cache);
  const auto chunked = models::forward_chunked(*lm, b, *chunked_cache, 9);
  EXPECT_CLOSE(chunked.logits, whole.logits, hfcpp::testing::Tolerance{2e-2, 2e-2});
  EXPECT_EQ(next_tokens(chunked.logits).to_float_vector(), next_tokens(whole.logits).to_float_vector());
  EXPECT_EQ(chunked_cache->length(), PaddedBatch::kWidth);
}

TEST(ChunkedPrefill, FailedChunkLeavesTheCacheAsItWas) {
  // Row 0 is fine; a token id past the vocabulary in the last chunk fails after earlier chunks ran.
  auto lm = models::load_causal_lm(model_dir("llama"));
  PaddedBatch in = padded_batch();
  Tensor ids = in.ids.clone();
  ids.mutable_data<int64_t>()[PaddedBatch::kWidth - 1] = 1000;
  auto cache = lm->make_cache({.batch = PaddedBatch::kRows});
  EXPECT_THROW(models::forward_chunked(*lm, {.input_ids = ids, .attention_mask = in.mask}, *cache, 12), Error);
  EXPECT_EQ(cache->length(), 0);
  EXPECT_THROW(models::forward_chunked(*lm, {.input_ids = in.ids}, *cache, -1), Error);
  EXPECT_THROW(
      models::forward_chunked(*lm, {.input_ids = in.ids, .attention_mask = append_ones(in.mask)}, *cache, 12), Error);
}

}  // namespace
