// AVX2 + FMA + F16C decode-group attention (see decode_attention.h). Up to 3 query heads per
// pass: the scores of 2 keys x 3 heads come from register accumulators fed by one load (and
// conversion) per key row; the values are summed 16 columns at a time for all heads of the pass,
// so each value row is also converted once.
// Blocks of 64 keys keep the scores in L1 and rescale the accumulators once per block.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/cpu/decode_attention.h"
#include "tensor/cpu/isa/avx2/avx2_reduce.h"

namespace hfcpp::tensor::cpu {

namespace {

constexpr int64_t kBlock = 64;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

template <bool F16>
inline __m256 load8(const void* base, int64_t offset) {
  if constexpr (F16)
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(base) + offset)));
  else
    return _mm256_loadu_ps(static_cast<const float*>(base) + offset);
}

// exp(x), Cephes' polynomial after x = n ln2 + r (as the tensor kernels' vexp); -inf -> 0.
inline __m256 exp8(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-88.3762626647949f);
  const __m256 small = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(hi, _mm256_max_ps(lo, x));
  const __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(fx, _mm256_set1_ps(-0.693359375f), x);
  r = _mm256_fmadd_ps(fx, _mm256_set1_ps(2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // Scores minus their max are <= 0, so 2^fx never overflows; fx >= -127 keeps the exponent valid.
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127));
  const __m256 out = _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(e, 23)));
  return _mm256_blendv_ps(out, _mm256_setzero_ps(), small);
}

// Dot products summed in the order of the f32 row kernels' dot (even and odd 8-column chunks
// in two accumulators, then avx2::hsum of their sum), so an f32 cache gives the same scores,
// bit for bit, as the per-head path did. Two keys per step: 2 keys x 3 heads x 2 = 12 accumulators.
inline __m128 fold(__m256 even, __m256 odd) {
  const __m256 x = _mm256_add_ps(even, odd);
  return _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
}
// avx2::hsum's last steps for two keys at once: (u[0] + u[2]) + (u[1] + u[3]) of each.
inline void store_sums2(__m128 u0, __m128 u1, float* s0, float* s1) {
  const __m128 c = _mm_add_ps(_mm_unpacklo_ps(u0, u1), _mm_unpackhi_ps(u0, u1));
  const __m128 d = _mm_add_ps(c, _mm_movehl_ps(c, c));
  *s0 = _mm_cvtss_f32(d);
  *s1 = _mm_cvtss_f32(_mm_shuffle_ps(d, d, 1));
}

template <bool F16, int NG>
void score_block(const DecodeGroupArgs& a, const float* const* q, int64_t j0, int64_t nb, float (*sc)[kBlock]) {
  const int64_t D = a.head_dim, ks = a.k_stride;
  int64_t t = 0;
  for (; t + 2 <= nb; t += 2) {
    __m256 even[NG][2], odd[NG][2];
    for (int g = 0; g < NG; ++g)
      for (int u = 0; u < 2; ++u) even[g][u] = odd[g][u] = _mm256_setzero_ps();
    const int64_t row = (j0 + t) * ks;
    int64_t d = 0;
    for (; d + 16 <= D; d += 16) {
      for (int u = 0; u < 2; ++u) {
        const __m256 k0 = load8<F16>(a.k, row + u * ks + d), k1 = load8<F16>(a.k, row + u * ks + d + 8);
        for (int g = 0; g < NG; ++g) {
          even[g][u] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d), k0, even[g][u]);
          odd[g][u] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d + 8), k1, odd[g][u]);
        }
      }
    }
    if (d < D)
      for (int u = 0; u < 2; ++u) {
        const __m256 k0 = load8<F16>(a.k, row + u * ks + d);
        for (int g = 0; g < NG; ++g) even[g][u] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d), k0, even[g][u]);
      }
    for (int g = 0; g < NG; ++g)
      store_sums2(fold(even[g][0], odd[g][0]), fold(even[g][1], odd[g][1]), &sc[g][t], &sc[g][t + 1]);
  }
  if (t < nb) {
    __m256 even[NG], odd[NG];
    for (int g = 0; g < NG; ++g) even[g] = odd[g] = _mm256_setzero_ps();
    const int64_t row = (j0 + t) * ks;
    int64_t d = 0;
    for (; d + 16 <= D; d += 16) {
      const __m256 k0 = load8<F16>(a.k, row + d), k1 = load8<F16>(a.k, row + d + 8);
      for (int g = 0; g < NG; ++g) {
        even[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d), k0, even[g]);
        odd[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d + 8), k1, odd[g]);
      }
    }
    if (d < D) {
      const __m256 k0 = load8<F16>(a.k, row + d);
      for (int g = 0; g < NG; ++g) even[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d), k0, even[g]);
    }
    for (int g = 0; g < NG; ++g) sc[g][t] = avx2::hsum(_mm256_add_ps(even[g], odd[g]));
  }
}

// Scores -> exp(score - running max) in place, rescaling what the earlier blocks summed. The sum
// runs key by key, as the per-head path summed it.
inline void softmax_block(float* s, int64_t nb, float* m, float* l, float* acc, int64_t D) {
  float bm = kNegInf;
  for (int64_t t = 0; t < nb; ++t) bm = std::max(bm, s[t]);
  if (bm == kNegInf) {  // every key of the block masked for this head
    std::fill(s, s + nb, 0.0f);
    return;
  }
  const float m_new = std::max(*m, bm);
  if (*m != kNegInf && m_new != *m) {
    const float correction = std::exp(*m - m_new);
    const __m256 c = _mm256_set1_ps(correction);
    for (int64_t d = 0; d < D; d += 8) _mm256_storeu_ps(acc + d, _mm256_mul_ps(c, _mm256_loadu_ps(acc + d)));
    *l *= correction;
  }
  *m = m_new;
  const __m256 mv = _mm256_set1_ps(m_new);
  int64_t t = 0;
  for (; t + 8 <= nb; t += 8) _mm256_storeu_ps(s + t, exp8(_mm256_sub_ps(_mm256_loadu_ps(s + t), mv)));
  if (t < nb) {
    alignas(32) float buf[8] = {};
    std::copy(s + t, s + nb, buf);
    _mm256_store_ps(buf, exp8(_mm256_sub_ps(_mm256_load_ps(buf), mv)));
    std::copy(buf, buf + (nb - t), s + t);
  }
  float sum = *l;
  for (t = 0; t < nb; ++t)
    if (s[t] != 0.0f) sum += s[t];
  *l = sum;
}

template <bool F16, int NG>
void accumulate_values(const DecodeGroupArgs& a, int64_t j0, int64_t nb, const float (*p)[kBlock], float* const* acc) {
  const int64_t D = a.head_dim, vs = a.v_stride;
  int64_t d = 0;
  for (; d + 16 <= D; d += 16) {
    __m256 o[NG][2];
    for (int g = 0; g < NG; ++g) o[g][0] = _mm256_loadu_ps(acc[g] + d), o[g][1] = _mm256_loadu_ps(acc[g] + d + 8);
    for (int64_t t = 0; t < nb; ++t) {
      const int64_t row = (j0 + t) * vs + d;
      const __m256 v0 = load8<F16>(a.v, row), v1 = load8<F16>(a.v, row + 8);
      for (int g = 0; g < NG; ++g) {
        const __m256 w = _mm256_broadcast_ss(&p[g][t]);
        o[g][0] = _mm256_fmadd_ps(w, v0, o[g][0]);
        o[g][1] = _mm256_fmadd_ps(w, v1, o[g][1]);
      }
    }
    for (int g = 0; g < NG; ++g) _mm256_storeu_ps(acc[g] + d, o[g][0]), _mm256_storeu_ps(acc[g] + d + 8, o[g][1]);
  }
  for (; d < D; d += 8) {
    __m256 o[NG];
    for (int g = 0; g < NG; ++g) o[g] = _mm256_loadu_ps(acc[g] + d);
    for (int64_t t = 0; t < nb; ++t) {
      const __m256 v0 = load8<F16>(a.v, (j0 + t) * vs + d);
      for (int g = 0; g < NG; ++g) o[g] = _mm256_fmadd_ps(_mm256_broadcast_ss(&p[g][t]), v0, o[g]);
    }
    for (int g = 0; g < NG; ++g) _mm256_storeu_ps(acc[g] + d, o[g]);
  }
}

template <bool F16, int NG>
void run_heads(const DecodeGroupArgs& a, int64_t g0) {
  const int64_t D = a.head_dim;
  const float* q[NG];
  float* acc[NG];
  float m[NG], l[NG];
  alignas(32) float sc[NG][kBlock];
  for (int g = 0; g < NG; ++g) {
    q[g] = a.q + (g0 + g) * a.q_stride;
    acc[g] = a.acc + (g0 + g) * D;
    std::fill(acc[g], acc[g] + D, 0.0f);
    m[g] = kNegInf, l[g] = 0.0f;
  }
  const __m256 scale = _mm256_set1_ps(a.scale);
  for (int64_t j0 = 0; j0 < a.keys; j0 += kBlock) {
    const int64_t nb = std::min(kBlock, a.keys - j0);
    score_block<F16, NG>(a, q, j0, nb, sc);
    for (int g = 0; g < NG; ++g) {
      float* s = sc[g];
      int64_t t = 0;
      for (; t + 8 <= nb; t += 8) _mm256_storeu_ps(s + t, _mm256_mul_ps(scale, _mm256_loadu_ps(s + t)));
      for (; t < nb; ++t) s[t] *= a.scale;
      if (a.softcap > 0)
        for (t = 0; t < nb; ++t) s[t] = a.softcap * std::tanh(s[t] / a.softcap);
      if (a.keep != nullptr)
        for (t = 0; t < nb; ++t)
          if (a.keep[(j0 + t) * a.keep_stride] == 0) s[t] = kNegInf;
      softmax_block(s, nb, &m[g], &l[g], acc[g], D);
    }
    accumulate_values<F16, NG>(a, j0, nb, sc, acc);
  }
  for (int g = 0; g < NG; ++g) a.row_max[g0 + g] = m[g], a.row_sum[g0 + g] = l[g];
}

template <bool F16>
void run(const DecodeGroupArgs& a) {
  for (int64_t g0 = 0; g0 < a.heads;) {
    const int64_t left = a.heads - g0;
    const int64_t n = left == 4 ? 2 : std::min<int64_t>(left, 3);  // 4 heads as 2 + 2, not 3 + 1
    if (n == 3) run_heads<F16, 3>(a, g0);
    else if (n == 2) run_heads<F16, 2>(a, g0);
    else run_heads<F16, 1>(a, g0);
    g0 += n;
  }
}

}  // namespace

void decode_group_avx2(const DecodeGroupArgs& a) {
  if (a.head_dim % 8 != 0) return decode_group_reference(a);
  if (a.f16) run<true>(a);
  else run<false>(a);
}

}  // namespace hfcpp::tensor::cpu
