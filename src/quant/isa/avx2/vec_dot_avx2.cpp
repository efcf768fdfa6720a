// AVX2 dot products (compiled with -mavx2 -mfma -mf16c; called only after run-time detection).
// Same arithmetic as the scalar kernels in blocks/: integer block dots, f32 scaling.
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"
#include "quant/isa/avx2/vec_dot_legacy_impl.h"

namespace hfcpp::quant::avx2 {

using namespace detail;

namespace {
struct Avx2Dot {
  static __m256i i8(__m256i x, __m256i y) { return dot_i8(x, y); }
  static __m256i u8(__m256i x, __m256i y) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(x, y), _mm256_set1_epi16(1));
  }
};
}  // namespace

float vec_dot_q4_0(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q4_0<Avx2Dot>(n, w, a); }
float vec_dot_q4_1(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q4_1<Avx2Dot>(n, w, a); }
float vec_dot_q5_0(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q5_0<Avx2Dot>(n, w, a); }
float vec_dot_q5_1(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q5_1<Avx2Dot>(n, w, a); }
float vec_dot_q8_0(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q8_0<Avx2Dot>(n, w, a); }

float vec_dot_q4_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    uint8_t sc[8], mn[8];
    unpack_k4_scales(x[i].scales, sc, mn);
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(x[i].qs + 32 * c);
      const __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(q, low4), load32(y[i].qs + 64 * c));
      const __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4),
                                              load32(y[i].qs + 64 * c + 32));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(lo, _mm256_set1_epi16(sc[2 * c])));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(hi, _mm256_set1_epi16(sc[2 * c + 1])));
    }
    int mins = 0;
    for (int g = 0; g < 8; ++g) mins += mn[g] * (y[i].bsums[2 * g] + y[i].bsums[2 * g + 1]);
    sum += y[i].d * (half(x[i].d) * static_cast<float>(hsum_i32(acc)) - half(x[i].dmin) * static_cast<float>(mins));
  }
  return sum;
}

float vec_dot_q6_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i k32 = _mm256_set1_epi8(32);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    __m256i acc = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      __m256i q[4];
      q6_k_half(x[i].ql, x[i].qh, h, q);
      for (int s = 0; s < 4; ++s) {
        const __m256i yv = load32(y[i].qs + 128 * h + 32 * s);
        // (q - 32) . y = q . y - 32 * sum(y), both as int16 pairs.
        const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[s], yv), _mm256_maddubs_epi16(k32, yv));
        const int g = 8 * h + 2 * s;
        const __m256i scales = _mm256_set_m128i(_mm_set1_epi16(x[i].scales[g + 1]), _mm_set1_epi16(x[i].scales[g]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, scales));
      }
    }
    sum += y[i].d * half(x[i].d) * static_cast<float>(hsum_i32(acc));
  }
  return sum;
}

}  // namespace hfcpp::quant::avx2
