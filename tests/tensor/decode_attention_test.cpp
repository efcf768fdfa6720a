// The GQA-group decode kernel (tensor/cpu/decode_attention.h): every ISA's kernel against a
// double-precision oracle, f32 and f16 keys/values, masks, softcap, key-range splits merged; and
// SDPA with an f16 cache against the scalar composition over the same values in f32.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tensor/half.h"
#include "hfcpp/tensor/ops/attention.h"
#include "tensor/cpu/decode_attention.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using tensor::cpu::DecodeGroupArgs;

struct GroupCase {
  int64_t heads, keys, head_dim;
  bool f16, padding;
  float softcap;
};

struct GroupData {
  std::vector<float> q, kf, vf;  // keys/values as the kernel sees them (f16-rounded when f16)
  std::vector<uint16_t> kh, vh;
  std::vector<uint8_t> keep;
};

GroupData make_data(const GroupCase& c, int64_t k_stride) {
  GroupData d;
  const auto fill = [](std::vector<float>& v, size_t n, uint32_t seed) {
    const Tensor t = random_tensor({static_cast<int64_t>(n)}, DType::F32, seed, 2.0f);
    v = t.to_float_vector();
  };
  fill(d.q, static_cast<size_t>(c.heads * c.head_dim), 71);
  fill(d.kf, static_cast<size_t>(std::max<int64_t>(c.keys, 1) * k_stride), 72);
  fill(d.vf, static_cast<size_t>(std::max<int64_t>(c.keys, 1) * k_stride), 73);
  if (c.f16) {
    for (float& x : d.kf) d.kh.push_back(tensor::f32_to_f16(x)), x = tensor::f16_to_f32(d.kh.back());
    for (float& x : d.vf) d.vh.push_back(tensor::f32_to_f16(x)), x = tensor::f16_to_f32(d.vh.back());
  }
  d.keep.assign(static_cast<size_t>(std::max<int64_t>(c.keys, 1) * 2), 1);
  if (c.padding)
    for (int64_t j = 0; j < c.keys; ++j) d.keep[j * 2] = (j % 5 == 1 || j < 3) ? 0 : 1;
  return d;
}

DecodeGroupArgs make_args(const GroupCase& c, const GroupData& d, int64_t k_stride, int64_t j0, int64_t keys,
                          float* acc, float* stats) {
  DecodeGroupArgs a;
  a.q = d.q.data(), a.q_stride = c.head_dim, a.heads = c.heads;
  a.k = c.f16 ? static_cast<const void*>(d.kh.data() + j0 * k_stride) : d.kf.data() + j0 * k_stride;
  a.v = c.f16 ? static_cast<const void*>(d.vh.data() + j0 * k_stride) : d.vf.data() + j0 * k_stride;
  a.k_stride = a.v_stride = k_stride, a.f16 = c.f16, a.keys = keys, a.head_dim = c.head_dim;
  a.scale = 0.125f, a.softcap = c.softcap;
  if (c.padding) a.keep = d.keep.data() + j0 * 2, a.keep_stride = 2;
  a.acc = acc, a.row_max = stats, a.row_sum = stats + c.heads;
  return a;
}

// softmax(q k^T * scale (capped), masked) v in double.
std::vector<float> oracle(const GroupCase& c, const GroupData& d, int64_t k_stride) {
  std::vector<float> out(static_cast<size_t>(c.heads * c.head_dim), 0.0f);
  for (int64_t g = 0; g < c.heads; ++g) {
    std::vector<double> s(static_cast<size_t>(c.keys), -std::numeric_limits<double>::infinity());
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < c.keys; ++j) {
      if (c.padding && d.keep[j * 2] == 0) continue;
      double dot = 0;
      for (int64_t i = 0; i < c.head_dim; ++i) dot += double(d.q[g * c.head_dim + i]) * d.kf[j * k_stride + i];
      dot *= 0.125;
      if (c.softcap > 0) dot = c.softcap * std::tanh(dot / c.softcap);
      s[j] = dot, m = std::max(m, dot);
    }
    if (std::isinf(m)) continue;
    double l = 0;
    std::vector<double> o(static_cast<size_t>(c.head_dim), 0.0);
    for (int64_t j = 0; j < c.keys; ++j) {
      if (std::isinf(s[j])) continue;
      const double p = std::exp(s[j] - m);
      l += p;
      for (int64_t i = 0; i < c.head_dim; ++i) o[i] += p * d.vf[j * k_stride + i];
    }
    for (int64_t i = 0; i < c.head_dim; ++i) out[g * c.head_dim + i] = static_cast<float>(o[i] / l);
  }
  return out;
}

TEST(DecodeGroupKernel, EveryIsaMatchesDoubleOracleWithSplits) {
  // Group sizes 1-4 and 7 (passes of up to 3 heads), key counts around the 4-key and 64-key
  // blocks, head dims with a 16-column tail (72) and without a multiple of 8 (20: scalar fallback).
  const GroupCase cases[] = {{3, 600, 64, true, false, 0.0f}, {3, 600, 64, false, false, 0.0f},
                             {1, 1, 64, true, false, 0.0f},   {2, 5, 72, false, true, 0.0f},
                             {4, 130, 64, true, true, 0.0f},  {7, 67, 128, true, false, 3.0f},
                             {3, 64, 20, true, true, 0.0f},   {3, 0, 64, false, false, 0.0f},
                             {3, 9, 64, false, true, 0.0f}};
  for (core::Isa isa : core::supported_isas()) {
    const auto kernel = tensor::cpu::decode_group_kernel(isa);
    for (const GroupCase& c : cases) {
      const int64_t k_stride = c.head_dim + 8;  // rows of a wider buffer, as a cache's capacity leaves them
      const GroupData d = make_data(c, k_stride);
      const std::vector<float> want = oracle(c, d, k_stride);
      for (int64_t splits : {1, 3}) {
        std::vector<float> acc(static_cast<size_t>(splits * c.heads * c.head_dim)),
            stats(static_cast<size_t>(splits * c.heads * 2));
        for (int64_t s = 0; s < splits; ++s) {
          const int64_t j0 = c.keys * s / splits, j1 = c.keys * (s + 1) / splits;
          kernel(make_args(c, d, k_stride, j0, j1 - j0, acc.data() + s * c.heads * c.head_dim,
                           stats.data() + s * c.heads * 2));
        }
        std::vector<float> got(want.size());
        for (int64_t g = 0; g < c.heads; ++g)
          tensor::cpu::merge_decode_partials(acc.data() + g * c.head_dim, c.heads * c.head_dim, stats.data() + g,
                                             stats.data() + c.heads + g, c.heads * 2, splits, c.head_dim,
                                             got.data() + g * c.head_dim);
        EXPECT_CLOSE(got, want, kTolF32) << core::isa_name(isa) << " heads " << c.heads << " keys " << c.keys
                                         << " D " << c.head_dim << " f16 " << c.f16 << " splits " << splits;
      }
    }
  }
}

// Decode and short chunks (Lq < 8: the group kernel) and a prompt (tiled, converting f16 to f32)
// with f16 keys/values match the scalar composition over the same values widened to f32.
TEST(DecodeGroupKernel, SdpaWithF16CacheMatchesF32OfSameValues) {
  struct Dims {
    int64_t B, H, Hkv, Lq, Lk;
  };
  for (core::Isa isa : core::supported_isas()) {
    IsaGuard guard(isa);
    for (Dims dm : {Dims{1, 9, 3, 1, 600}, Dims{2, 8, 2, 3, 70}, Dims{1, 9, 3, 12, 40}}) {
      const Tensor q = random_tensor({dm.B, dm.H, dm.Lq, 64}, DType::F32, 81);
      const Tensor k = random_tensor({dm.B, dm.Hkv, dm.Lk, 64}, DType::F16, 82);
      const Tensor v = random_tensor({dm.B, dm.Hkv, dm.Lk, 64}, DType::F16, 83);
      std::vector<float> keep(static_cast<size_t>(dm.B * dm.Lk), 1.0f);
      keep[0] = 0.0f;
      for (const ops::SdpaOptions& o :
           {ops::SdpaOptions{.causal = true}, ops::SdpaOptions{.causal = true, .window = 17},
            ops::SdpaOptions{.causal = true,
                             .key_padding_mask = Tensor::from_vector(keep, {dm.B, dm.Lk}, DType::Bool)}}) {
        const Tensor got = ops::scaled_dot_product_attention(q, k, v, o);
        const Tensor want = ops::scaled_dot_product_attention_reference(q, k.to(DType::F32), v.to(DType::F32), o);
        EXPECT_EQ(got.dtype(), DType::F32);
        EXPECT_CLOSE(got, want, kTolF32) << core::isa_name(isa) << " Lq " << dm.Lq << " Lk " << dm.Lk;
      }
    }
  }
}

// One (batch, kv head) row on several threads splits its keys; the merge gives the same values.
TEST(DecodeGroupKernel, KeySplitsAcrossThreadsMatchOneThread) {
  const Tensor q = random_tensor({1, 9, 1, 64}, DType::F32, 91);
  const Tensor k = random_tensor({1, 3, 700, 64}, DType::F16, 92), v = random_tensor({1, 3, 700, 64}, DType::F16, 93);
  const int saved = core::num_threads();
  core::set_num_threads(1);
  const Tensor one = ops::scaled_dot_product_attention(q, k, v, {.causal = true});
  core::set_num_threads(2);
  const Tensor two = ops::scaled_dot_product_attention(q, k, v, {.causal = true});
  core::set_num_threads(saved);
  EXPECT_CLOSE(two, one, kTolF32);
}

TEST(DecodeGroupKernel, F16KeysNeedF32Queries) {
  const Tensor k = Tensor::zeros({1, 1, 4, 8}, DType::F16);
  EXPECT_THROW(ops::scaled_dot_product_attention(Tensor::zeros({1, 1, 1, 8}, DType::BF16), k, k), Error);
  EXPECT_THROW(ops::scaled_dot_product_attention(Tensor::zeros({1, 1, 1, 8}, DType::F32), k,
                                                 Tensor::zeros({1, 1, 4, 8}, DType::F32)),
               Error);
}

}  // namespace
}  // namespace hfcpp::testing
