// The f16 KV cache (KvCacheOptions::dtype = F16, llama.cpp's default cache type): logits against
// transformers' f32 goldens within the rounding of keys and values to f16 (a stated NMSE bound,
// not the f32 tolerance), beam reordering and crop-then-replay giving the very values of a straight
// f16 run, half the bytes, and the model's default (f32 for safetensors weights).
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

// Keys and values rounded to f16 (relative error <= 2^-11) move these tiny models' logits by an NMSE
// of 4e-8 .. 1e-6 (measured over the models and steps below); a cache read at the wrong offset or as
// the wrong type gives O(1).
constexpr double kNmseF16Cache = 5e-6;

std::string model_dir(const std::string& name) {
  return std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
}
formats::SafetensorsFile golden(const std::string& name) {
  return formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/decoder_" + name +
                                        ".safetensors");
}

double nmse(const std::vector<float>& a, const std::vector<float>& e) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < a.size(); ++i) err += (double(a[i]) - e[i]) * (double(a[i]) - e[i]), ref += double(e[i]) * e[i];
  return ref > 0 ? err / ref : err;
}

using hfcpp::testing::append_ones;

std::string f16_case_name(const ::testing::TestParamInfo<std::tuple<std::string, KvCacheKind>>& info) {
  static const char* const kKinds[] = {"dynamic", "static", "sliding"};
  return std::get<0>(info.param) + "_" + kKinds[static_cast<int>(std::get<1>(info.param))];
}

class F16Cache : public ::testing::TestWithParam<std::tuple<std::string, KvCacheKind>> {};

// Greedy steps through the golden's tokens: every step's logits against transformers' within the
// f16 bound; then the same run with the batch reordered and with a crop and replay, which must
// reproduce the straight run's values (same cache contents, same arithmetic).
TEST_P(F16Cache, StepsMatchTransformersWithinF16RoundingAndCacheOpsAreExact) {
  const auto& [name, kind] = GetParam();
  auto g = golden(name);
  auto lm = models::load_causal_lm(model_dir(name));
  const Tensor ids = g.tensor("input_ids"), mask0 = g.tensor("attention_mask");
  const Tensor tokens = g.tensor("step_tokens"), logits = g.tensor("step_logits");
  const int64_t B = ids.size(0), T = ids.size(1), steps = std::min<int64_t>(tokens.size(0), 8);
  const models::KvCacheOptions options{.kind = kind, .batch = B, .max_length = T + 20, .dtype = DType::F16};
  auto cache = lm->make_cache(options);
  lm->forward({.input_ids = ids, .attention_mask = mask0}, *cache);
  std::vector<Tensor> masks{mask0};
  std::vector<std::vector<float>> straight;
  for (int64_t s = 0; s < steps; ++s) {
    masks.push_back(append_ones(masks.back()));
    auto out = lm->forward({.input_ids = tokens.select(0, s).contiguous().reshape({B, 1}), .attention_mask = masks.back()},
                           *cache);
    straight.push_back(out.logits.to_float_vector());
    const double e = nmse(straight.back(), logits.select(0, s).contiguous().to_float_vector());
    EXPECT_LE(e, kNmseF16Cache) << "step " << s;
    EXPECT_GT(e, 0.0) << "step " << s;  // the cache did round (an f32 cache would match to ~1e-12)
  }
  // Crop back (sliding layers can only go back to what they still hold) and replay.
  const int64_t keep = kind == KvCacheKind::SlidingWindow && name != "qwen3" ? steps - 1 : 3;
  cache->crop(T + keep);
  for (int64_t s = keep; s < steps; ++s) {
    auto out = lm->forward({.input_ids = tokens.select(0, s).contiguous().reshape({B, 1}), .attention_mask = masks[s + 1]},
                           *cache);
    EXPECT_EQ(out.logits.to_float_vector(), straight[s]) << "replayed step " << s;
  }
  // Reorder: row i becomes old row B-1-i; each new row's logits are the old row's.
  cache->crop(T + keep);
  std::vector<int64_t> reversed;
  for (int64_t b = B - 1; b >= 0; --b) reversed.push_back(b);
  cache->reorder(reversed);
  const Tensor tok = tokens.select(0, keep).contiguous().reshape({B, 1});
  Tensor tok_r = Tensor::empty({B, 1}, tok.dtype()), mask_r = Tensor::empty(masks[keep + 1].shape(), DType::I64);
  for (int64_t b = 0; b < B; ++b) {
    tok_r.narrow(0, b, 1).copy_from(tok.narrow(0, B - 1 - b, 1));
    mask_r.narrow(0, b, 1).copy_from(masks[keep + 1].narrow(0, B - 1 - b, 1).to(DType::I64));
  }
  auto out = lm->forward({.input_ids = tok_r, .attention_mask = mask_r}, *cache);
  const int64_t V = lm->vocab_size();
  const std::vector<float> got = out.logits.to_float_vector();
  for (int64_t b = 0; b < B; ++b)
    EXPECT_TRUE(std::equal(got.begin() + b * V, got.begin() + (b + 1) * V, straight[keep].begin() + (B - 1 - b) * V))
        << "reordered row " << b;
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, F16Cache,
    ::testing::Combine(::testing::Values("llama", "mistral", "gemma2", "qwen3"),
                       ::testing::Values(KvCacheKind::Dynamic, KvCacheKind::Static, KvCacheKind::SlidingWindow)),
    f16_case_name);

TEST(F16CacheMemory, HalfTheBytesAndF32ByDefaultForSafetensorsWeights) {
  auto lm = models::load_causal_lm(model_dir("llama"));
  const Tensor ids = Tensor::from_data<int64_t>(std::vector<int64_t>{5, 6, 7, 8, 9}, {1, 5});
  auto bytes = [&](std::optional<DType> dtype) {
    auto cache = lm->make_cache({.batch = 1, .max_length = 5, .dtype = dtype});
    lm->forward({.input_ids = ids}, *cache);
    return cache->memory_bytes();
  };
  const int64_t f32 = bytes(DType::F32);
  EXPECT_GT(f32, 0);
  EXPECT_EQ(bytes(DType::F16) * 2, f32);
  EXPECT_EQ(bytes(std::nullopt), f32);
  EXPECT_THROW(lm->make_cache({.dtype = DType::BF16}), Error);
}

TEST(F16CacheMemory, ParsesCliNames) {
  EXPECT_EQ(models::parse_kv_cache_dtype("auto"), std::nullopt);
  EXPECT_EQ(models::parse_kv_cache_dtype("f32"), DType::F32);
  EXPECT_EQ(models::parse_kv_cache_dtype("float16"), DType::F16);
  try {
    models::parse_kv_cache_dtype("bf16");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
    EXPECT_NE(std::string(e.what()).find("f16"), std::string::npos);
  }
}

}  // namespace
