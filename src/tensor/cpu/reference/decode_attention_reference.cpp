// Scalar decode-group attention: the oracle for the vector kernels, and the path for CPUs
// without AVX2 or head sizes that are not a multiple of 8. Two passes: scores and their max,
// then exponentials and the weighted sum of values.
#include <cmath>
#include <limits>
#include <vector>

#include "hfcpp/tensor/half.h"
#include "tensor/cpu/decode_attention.h"

namespace hfcpp::tensor::cpu {

namespace {

float element(const void* base, int64_t index, bool f16) {
  return f16 ? f16_to_f32(static_cast<const uint16_t*>(base)[index]) : static_cast<const float*>(base)[index];
}

}  // namespace

void decode_group_reference(const DecodeGroupArgs& a) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const int64_t D = a.head_dim;
  std::vector<float> scores(static_cast<size_t>(a.keys));
  for (int64_t g = 0; g < a.heads; ++g) {
    const float* q = a.q + g * a.q_stride;
    float* acc = a.acc + g * D;
    float m = kNegInf;
    for (int64_t j = 0; j < a.keys; ++j) {
      float s = kNegInf;
      if (a.keep == nullptr || a.keep[j * a.keep_stride] != 0) {
        s = 0.0f;
        for (int64_t d = 0; d < D; ++d) s += q[d] * element(a.k, j * a.k_stride + d, a.f16);
        s *= a.scale;
        if (a.softcap > 0) s = a.softcap * std::tanh(s / a.softcap);
      }
      scores[j] = s;
      m = std::max(m, s);
    }
    for (int64_t d = 0; d < D; ++d) acc[d] = 0.0f;
    float l = 0.0f;
    if (m != kNegInf) {
      for (int64_t j = 0; j < a.keys; ++j) {
        if (scores[j] == kNegInf) continue;
        const float p = std::exp(scores[j] - m);
        l += p;
        for (int64_t d = 0; d < D; ++d) acc[d] += p * element(a.v, j * a.v_stride + d, a.f16);
      }
    }
    a.row_max[g] = m;
    a.row_sum[g] = l;
  }
}

void merge_decode_partials(const float* acc, int64_t acc_stride, const float* row_max, const float* row_sum,
                           int64_t stat_stride, int64_t parts, int64_t head_dim, float* out) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  float m = kNegInf;
  for (int64_t i = 0; i < parts; ++i) m = std::max(m, row_max[i * stat_stride]);
  for (int64_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
  if (m == kNegInf) return;
  float l = 0.0f;
  for (int64_t i = 0; i < parts; ++i) {
    const float mi = row_max[i * stat_stride];
    if (mi == kNegInf) continue;
    const float w = std::exp(mi - m);
    l += w * row_sum[i * stat_stride];
    const float* a = acc + i * acc_stride;
    for (int64_t d = 0; d < head_dim; ++d) out[d] += w * a[d];
  }
  if (l > 0) {
    const float inv = 1.0f / l;
    for (int64_t d = 0; d < head_dim; ++d) out[d] *= inv;
  }
}

DecodeGroupFn decode_group_kernel(core::Isa isa) {
  return isa == core::Isa::Scalar ? &decode_group_reference : &decode_group_avx2;
}

}  // namespace hfcpp::tensor::cpu
