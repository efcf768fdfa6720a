// KV cache behaviour through real (tiny) models against transformers' goldens: beam-search
// reordering, cropping for prefix reuse, reset, and the memory each cache kind holds.
#include <gtest/gtest.h>

#include <string>

#include "hfcpp/formats/safetensors.h"
#include "hfcpp/models/causal_lm.h"
#include "tolerance.h"
#include "attention_mask_util.h"

using namespace hfcpp;
using hfcpp::models::KvCacheKind;
using hfcpp::tensor::DType;
using hfcpp::tensor::Tensor;

namespace {

std::string model_dir(const std::string& name) {
  return std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
}
formats::SafetensorsFile golden(const std::string& name) {
  return formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/decoder_" + name +
                                        ".safetensors");
}

// Rows of a [B, ...] tensor picked by indices.
Tensor take_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  tensor::Shape shape = t.shape();
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, t.dtype());
  for (size_t i = 0; i < rows.size(); ++i) {
    Tensor row = out.narrow(0, static_cast<int64_t>(i), 1);
    row.copy_from(t.narrow(0, rows[i], 1));
  }
  return out;
}

using hfcpp::testing::append_ones;

std::string cache_case_name(const ::testing::TestParamInfo<std::tuple<std::string, KvCacheKind>>& info) {
  static const char* const kKinds[] = {"dynamic", "static", "sliding", "int8", "int4"};
  return std::get<0>(info.param) + "_" + kKinds[static_cast<int>(std::get<1>(info.param))];
}

class CacheOps : public ::testing::TestWithParam<std::tuple<std::string, KvCacheKind>> {};

TEST_P(CacheOps, ReorderLikeBeamSearch) {
  const auto& [name, kind] = GetParam();
  auto g = golden(name);
  auto lm = models::load_causal_lm(model_dir(name));
  const Tensor ids = g.tensor("input_ids"), mask0 = g.tensor("attention_mask");
  const Tensor tokens = g.tensor("step_tokens"), logits = g.tensor("step_logits");
  const int64_t T = ids.size(1);
  auto cache = lm->make_cache({.kind = kind, .batch = 3, .max_length = T + 20});
  lm->forward({.input_ids = ids, .attention_mask = mask0}, *cache);
  const std::vector<int64_t> beams{2, 0, 1, 1};
  cache->reorder(beams);
  EXPECT_EQ(cache->batch(), 4);
  Tensor mask = take_rows(mask0, beams);
  for (int64_t s = 0; s < 6; ++s) {
    mask = append_ones(mask);
    const Tensor tok = take_rows(tokens.select(0, s).contiguous().reshape({3, 1}), beams);
    auto out = lm->forward({.input_ids = tok, .attention_mask = mask}, *cache);
    EXPECT_CLOSE(out.logits.reshape({4, -1}), take_rows(logits.select(0, s).contiguous(), beams),
                 hfcpp::testing::kTolF32)
        << "step " << s;
  }
}

TEST_P(CacheOps, CropThenReplayMatches) {
  const auto& [name, kind] = GetParam();
  auto g = golden(name);
  auto lm = models::load_causal_lm(model_dir(name));
  const Tensor ids = g.tensor("input_ids"), mask0 = g.tensor("attention_mask");
  const Tensor tokens = g.tensor("step_tokens"), logits = g.tensor("step_logits");
  const int64_t T = ids.size(1);
  auto cache = lm->make_cache({.kind = kind, .batch = 3, .max_length = T + 20});
  lm->forward({.input_ids = ids, .attention_mask = mask0}, *cache);
  std::vector<Tensor> masks{mask0};
  for (int64_t s = 0; s < 8; ++s) {
    masks.push_back(append_ones(masks.back()));
    lm->forward({.input_ids = tokens.select(0, s).contiguous().reshape({3, 1}), .attention_mask = masks.back()},
                *cache);
  }
  // A sliding-window cache has dropped old positions: it can only be cut where they are not needed.
  int64_t keep_steps = 3;
  if (kind == KvCacheKind::SlidingWindow && name != "qwen3") {  // qwen3 here has no sliding layers
    EXPECT_THROW(cache->crop(T + 3), Error);
    keep_steps = 7;
  }
  cache->crop(T + keep_steps);
  EXPECT_EQ(cache->length(), T + keep_steps);
  for (int64_t s = keep_steps; s < 8; ++s) {
    const Tensor tok = tokens.select(0, s).contiguous().reshape({3, 1});
    auto out = lm->forward({.input_ids = tok, .attention_mask = masks[s + 1]}, *cache);
    EXPECT_CLOSE(out.logits.reshape({3, -1}), logits.select(0, s).contiguous(), hfcpp::testing::kTolF32)
        << "replayed step " << s;
  }
  cache->reset();
  EXPECT_EQ(cache->length(), 0);
  auto again = lm->forward({.input_ids = ids, .attention_mask = mask0, .last_token_logits_only = true}, *cache);
  EXPECT_CLOSE(again.logits, g.tensor("prefill_logits").narrow(1, T - 1, 1).contiguous(), hfcpp::testing::kTolF32);
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, CacheOps,
    ::testing::Combine(::testing::Values("mistral", "gemma2", "qwen3"),
                       ::testing::Values(KvCacheKind::Dynamic, KvCacheKind::Static, KvCacheKind::SlidingWindow)),
    cache_case_name);

TEST(CacheMemory, SlidingAndQuantizedCachesHoldLess) {
  auto lm = models::load_causal_lm(model_dir("mistral"));  // every layer slides, window 6
  auto bytes_after = [&](models::KvCacheOptions options, int64_t steps) {
    auto cache = lm->make_cache(options);
    std::vector<int64_t> prompt{1, 5, 9, 13};
    lm->forward({.input_ids = Tensor::from_data<int64_t>(prompt, {1, 4})}, *cache);
    for (int64_t s = 0; s < steps; ++s) {
      std::vector<int64_t> tok{(s * 7 + 3) % 90 + 3};
      lm->forward({.input_ids = Tensor::from_data<int64_t>(tok, {1, 1}), .last_token_logits_only = true}, *cache);
    }
    EXPECT_EQ(cache->length(), 4 + steps);
    return cache->memory_bytes();
  };
  const int64_t dynamic = bytes_after({.kind = KvCacheKind::Dynamic}, 200);
  const int64_t sliding = bytes_after({.kind = KvCacheKind::SlidingWindow}, 200);
  const int64_t int8 = bytes_after({.kind = KvCacheKind::QuantizedInt8, .residual_length = 16, .group_size = 8}, 200);
  const int64_t int4 = bytes_after({.kind = KvCacheKind::QuantizedInt4, .residual_length = 16, .group_size = 8}, 200);
  // f32 K and V: 2 layers x 2 x [1, 2 heads, positions, 24].
  const int64_t per_position = 2 * 2 * 2 * 24 * 4;
  EXPECT_GE(dynamic, 204 * per_position);
  EXPECT_LE(sliding, 12 * per_position);  // two windows at most
  EXPECT_LT(int8, dynamic / 2);
  EXPECT_LT(int4, int8);
  std::printf("[ kv cache bytes after 204 positions ] dynamic %lld, sliding %lld, int8 %lld, int4 %lld\n",
              static_cast<long long>(dynamic), static_cast<long long>(sliding), static_cast<long long>(int8),
              static_cast<long long>(int4));
}

TEST(CacheMemory, DynamicCacheStopsDoublingAtMaxLength) {
  // generate() passes max_length = prompt + new tokens: the buffers end at that length, not at
  // the next power of two (a 512-token prompt + 8 new would otherwise hold 1024 positions).
  auto lm = models::load_causal_lm(model_dir("llama"));
  auto bytes_after = [&](int64_t max_length, int64_t prompt_len, int64_t steps) {
    auto cache = lm->make_cache({.kind = KvCacheKind::Dynamic, .max_length = max_length});
    std::vector<int64_t> prompt(static_cast<size_t>(prompt_len));
    for (int64_t i = 0; i < prompt_len; ++i) prompt[static_cast<size_t>(i)] = (i * 7 + 3) % 90 + 3;
    lm->forward({.input_ids = Tensor::from_data<int64_t>(prompt, {1, prompt_len})}, *cache);
    for (int64_t s = 0; s < steps; ++s) {
      std::vector<int64_t> tok{(s * 5 + 1) % 90 + 3};
      lm->forward({.input_ids = Tensor::from_data<int64_t>(tok, {1, 1}), .last_token_logits_only = true}, *cache);
    }
    EXPECT_EQ(cache->length(), prompt_len + steps);
    return cache->memory_bytes();
  };
  const int64_t full_64 = bytes_after(0, 64, 0);  // the initial buffer, 64 positions, full
  const int64_t unlimited = bytes_after(0, 64, 8), limited = bytes_after(72, 64, 8);
  EXPECT_EQ(limited, 72 * full_64 / 64);
  EXPECT_EQ(unlimited, 2 * full_64);  // doubled to 128 positions
  // More tokens than announced still fit (doubling again past max_length).
  EXPECT_GT(bytes_after(66, 64, 8), limited);
}

TEST(CacheMemory, ReserveAllocatesTheWholePromptOnce) {
  // A chunked prefill reserves the prompt's positions: no doubling chunk by chunk, and within a
  // factor 2 of max_length the buffers go straight there (no reallocation for the last steps).
  auto lm = models::load_causal_lm(model_dir("llama"));
  std::vector<int64_t> prompt(40);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int64_t>(i * 7 + 3) % 90 + 3;
  const Tensor ids = Tensor::from_data<int64_t>(prompt, {1, 40});
  auto sized = lm->make_cache({.kind = KvCacheKind::Dynamic, .max_length = 0});
  lm->forward({.input_ids = ids.narrow(1, 0, 1)}, *sized);
  const int64_t per_position = sized->memory_bytes() / 64;  // a first buffer of 64 positions
  auto cache = lm->make_cache({.kind = KvCacheKind::Dynamic, .max_length = 100});
  EXPECT_EQ(cache->memory_bytes(), 0);  // growable buffers come with the first positions
  cache->reserve(60);
  EXPECT_EQ(cache->memory_bytes(), 100 * per_position);
  models::forward_chunked(*lm, {.input_ids = ids}, *cache, 8);
  for (int step = 0; step < 20; ++step)
    lm->forward({.input_ids = ids.narrow(1, step, 1), .last_token_logits_only = true}, *cache);
  EXPECT_EQ(cache->length(), 60);
  EXPECT_EQ(cache->memory_bytes(), 100 * per_position);
  auto unlimited = lm->make_cache({.kind = KvCacheKind::Dynamic});
  unlimited->reserve(200);
  EXPECT_GE(unlimited->memory_bytes(), 200 * per_position);
}

TEST(CacheKind, ParsesCliNames) {
  EXPECT_EQ(models::parse_kv_cache_kind("dynamic"), KvCacheKind::Dynamic);
  EXPECT_EQ(models::parse_kv_cache_kind("static"), KvCacheKind::Static);
  EXPECT_EQ(models::parse_kv_cache_kind("sliding"), KvCacheKind::SlidingWindow);
  EXPECT_EQ(models::parse_kv_cache_kind("int8"), KvCacheKind::QuantizedInt8);
  EXPECT_EQ(models::parse_kv_cache_kind("int4"), KvCacheKind::QuantizedInt4);
  try {
    models::parse_kv_cache_kind("fp8");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
    EXPECT_NE(std::string(e.what()).find("int4"), std::string::npos);
  }
}

TEST(CacheKind, StaticNeedsMaxLength) {
  auto lm = models::load_causal_lm(model_dir("llama"));
  EXPECT_THROW(lm->make_cache({.kind = KvCacheKind::Static}), Error);
}

}  // namespace
