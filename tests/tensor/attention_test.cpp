// Fused SDPA against its scalar composition for every ISA, dtype and masking option.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hfcpp/tensor/ops/attention.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using ops::SdpaOptions;

// Bool mask [B, 1, Lq, Lk] keeping about 70% of keys and always key 0.
Tensor bool_mask(int64_t B, int64_t Lq, int64_t Lk) {
  std::vector<float> v(B * Lq * Lk);
  uint32_t state = 12345;
  for (size_t i = 0; i < v.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    v[i] = (i % Lk == 0) || (state >> 24) < 180 ? 1.0f : 0.0f;
  }
  return Tensor::from_vector(v, {B, 1, Lq, Lk}, DType::Bool);
}

SdpaOptions make_options(int which, int64_t B, int64_t H, int64_t Lq, int64_t Lk) {
  switch (which) {
    case 0: return {};
    case 1: return {.causal = true};
    case 2: return {.causal = true, .past = 0};
    case 3: return {.causal = true, .window = 5};
    case 4: return {.scale = 0.5f, .softcap = 2.0f};
    case 5: return {.mask = random_tensor({1, H, Lq, Lk}, DType::F32, 61, 2.0f)};
    case 6: return {.mask = bool_mask(B, Lq, Lk)};
    default: {
      std::vector<float> keep(B * Lk, 1.0f);
      for (int64_t j = 0; j < std::min<int64_t>(3, Lk - 1); ++j) keep[(B - 1) * Lk + j] = 0.0f;
      return {.causal = true, .key_padding_mask = Tensor::from_vector(keep, {B, Lk}, DType::I64)};
    }
  }
}
constexpr int kNumOptionSets = 8;
const char* kOptionNames[kNumOptionSets] = {"plain", "causal", "causal_past0", "window5", "softcap",
                                            "additive_mask", "bool_mask", "key_padding"};

struct Dims {
  int64_t B, H, Hkv, Lq, Lk, D;
};

class SdpaTest : public ::testing::TestWithParam<IsaDtype> {};

TEST_P(SdpaTest, FusedMatchesScalarComposition) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  // Prefill, decode (Lq = 1 with a long cache), GQA, odd head dims, keys spanning several blocks.
  // Lq >= 8 takes the GEMM-tiled path: a decoder prompt with GQA, and a prompt chunk after cached keys.
  for (Dims d : {Dims{2, 4, 2, 7, 7, 32}, Dims{1, 8, 2, 1, 130, 64}, Dims{2, 3, 3, 5, 33, 31},
                 Dims{1, 2, 1, 65, 65, 1}, Dims{1, 9, 3, 37, 37, 64}, Dims{2, 4, 2, 16, 40, 32}}) {
    const Tensor q = random_tensor({d.B, d.H, d.Lq, d.D}, dt, 62);
    const Tensor k = random_tensor({d.B, d.Hkv, d.Lk, d.D}, dt, 63);
    const Tensor v = random_tensor({d.B, d.Hkv, d.Lk, d.D}, dt, 64);
    for (int which = 0; which < kNumOptionSets; ++which) {
      if (which == 2 && d.Lq > d.Lk) continue;
      const SdpaOptions o = make_options(which, d.B, d.H, d.Lq, d.Lk);
      const Tensor fused = ops::scaled_dot_product_attention(q, k, v, o);
      const Tensor ref = ops::scaled_dot_product_attention_reference(q, k, v, o);
      EXPECT_EQ(fused.dtype(), dt);
      EXPECT_CLOSE(fused, ref, tolerance_for(dt).reduced_over(d.D))
          << kOptionNames[which] << " B=" << d.B << " H=" << d.H << " Hkv=" << d.Hkv << " Lq=" << d.Lq
          << " Lk=" << d.Lk << " D=" << d.D;
    }
  }
}

TEST_P(SdpaTest, StridedKvCacheViews) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  // A preallocated cache [B, Hkv, 40, D] of which 17 positions are filled; q from a [B, L, H, D] layout.
  const Tensor cache_k = random_tensor({2, 2, 40, 16}, dt, 65), cache_v = random_tensor({2, 2, 40, 16}, dt, 66);
  const Tensor k = cache_k.narrow(2, 0, 17), v = cache_v.narrow(2, 0, 17);
  const Tensor q = random_tensor({2, 3, 4, 16}, dt, 67).transpose(1, 2);
  const SdpaOptions o{.causal = true};
  EXPECT_CLOSE(ops::scaled_dot_product_attention(q, k, v, o),
               ops::scaled_dot_product_attention_reference(q.contiguous(), k.contiguous(), v.contiguous(), o),
               tolerance_for(dt).reduced_over(16));
}

INSTANTIATE_TEST_SUITE_P(IsaDtype, SdpaTest, ::testing::ValuesIn(isa_dtype_cases()), isa_dtype_name);

TEST(Sdpa, CausalOffsetEqualsAnExplicitMask) {
  const int64_t Lq = 3, Lk = 8, past = 4;
  const Tensor q = random_tensor({1, 2, Lq, 8}, DType::F32, 68);
  const Tensor k = random_tensor({1, 2, Lk, 8}, DType::F32, 69), v = random_tensor({1, 2, Lk, 8}, DType::F32, 70);
  std::vector<float> m(Lq * Lk);
  for (int64_t i = 0; i < Lq; ++i)
    for (int64_t j = 0; j < Lk; ++j) m[i * Lk + j] = j <= past + i ? 0.0f : -INFINITY;
  const Tensor mask = Tensor::from_vector(m, {Lq, Lk});
  EXPECT_CLOSE(ops::scaled_dot_product_attention(q, k, v, {.causal = true, .past = past}),
               ops::scaled_dot_product_attention(q, k, v, {.mask = mask}), kTolF32);
  // A window of 2 with the same offset: query i sees keys past+i-1 and past+i only.
  for (int64_t i = 0; i < Lq; ++i)
    for (int64_t j = 0; j < Lk; ++j) m[i * Lk + j] = (j <= past + i && past + i - j < 2) ? 0.0f : -INFINITY;
  EXPECT_CLOSE(ops::scaled_dot_product_attention(q, k, v, {.causal = true, .past = past, .window = 2}),
               ops::scaled_dot_product_attention(q, k, v, {.mask = Tensor::from_vector(m, {Lq, Lk})}), kTolF32);
}

TEST(Sdpa, SingleKeyReturnsItsValueAndFullyMaskedRowsAreZero) {
  const Tensor q = random_tensor({1, 1, 2, 4}, DType::F32, 71);
  const Tensor k = random_tensor({1, 1, 1, 4}, DType::F32, 72), v = random_tensor({1, 1, 1, 4}, DType::F32, 73);
  const Tensor out = ops::scaled_dot_product_attention(q, k, v);
  EXPECT_CLOSE(out.select(2, 0).contiguous(), v.select(2, 0).contiguous(), kTolF32);
  const Tensor none = Tensor::zeros({1, 1}, DType::Bool);
  const Tensor masked = ops::scaled_dot_product_attention(q, k, v, {.key_padding_mask = none});
  for (float x : masked.to_float_vector()) EXPECT_EQ(x, 0.0f);
}

TEST(Sdpa, BadInputIsInvalidArgument) {
  const Tensor q = Tensor::zeros({1, 4, 3, 8}, DType::F32), k = Tensor::zeros({1, 3, 5, 8}, DType::F32);
  const Tensor k2 = Tensor::zeros({1, 2, 5, 8}, DType::F32);
  expect_invalid([&] { ops::scaled_dot_product_attention(q, k, k); }, "multiple of the kv heads");
  expect_invalid([&] { ops::scaled_dot_product_attention(q, k2, Tensor::zeros({1, 2, 6, 8}, DType::F32)); },
                 "v has shape");
  expect_invalid([&] { ops::scaled_dot_product_attention(q, Tensor::zeros({1, 2, 5, 7}, DType::F32), Tensor::zeros({1, 2, 5, 7}, DType::F32)); },
                 "k has shape");
  expect_invalid([&] { ops::scaled_dot_product_attention(q, k2.to(DType::BF16), k2.to(DType::BF16)); }, "same dtype");
  expect_invalid([&] { ops::scaled_dot_product_attention(q.select(0, 0), k2, k2); }, "expected 4 dims");
  expect_invalid([&] { ops::scaled_dot_product_attention(q, k2, k2, {.mask = Tensor::zeros({3, 4}, DType::F32)}); },
                 "mask has shape [3, 4]");
  expect_invalid([&] { ops::scaled_dot_product_attention(q, k2, k2, {.key_padding_mask = Tensor::zeros({1, 4}, DType::Bool)}); },
                 "key_padding_mask has shape");
  expect_invalid([&] { ops::scaled_dot_product_attention(Tensor::zeros({1, 4, 9, 8}, DType::F32), k2, k2, {.causal = true}); },
                 "past >= 0");
  expect_invalid([&] { ops::scaled_dot_product_attention(q, k2, k2, {.softcap = -1.0f}); }, "softcap");
}

}  // namespace
}  // namespace hfcpp::testing
