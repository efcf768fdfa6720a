// AVX-512 VNNI dot products (256-bit vpdpbusd / vpdpwssd, needs AVX512VL + VNNI). Compiled always,
// chosen only when cpu_features() reports avx512_vnni. 256-bit forms on purpose: Zen 4 runs a
// 512-bit op as two 256-bit halves, and a 512-bit Q8_0 (two blocks per vpdpbusd) measured slower
// there (9.6 vs 9.2 us per 64 rows of 4096). Each kernel forms the same per-lane int32 sums as its
// AVX2 twin (vpdpbusd sums the same 4 bytes per lane as maddubs + madd, K-quant totals are exact
// integers) and scales them in the same f32 order, so the results equal the AVX2 ones bit for bit.
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"
#include "quant/isa/avx2/vec_dot_table.h"

namespace hfcpp::quant::avx512vnni {
namespace {
using namespace avx2::detail;
// Signed x signed: |x| as the unsigned operand, y with x's sign, in one vpdpbusd.
inline __m256i dot_i8_vnni(__m256i x, __m256i y) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
}
// Unsigned weights (0..31) x signed activations: no sign trick needed.
inline __m256i dot_u8_vnni(__m256i x, __m256i y) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), x, y); }
struct VnniDot {
  static __m256i i8(__m256i x, __m256i y) { return dot_i8_vnni(x, y); }
  static __m256i u8(__m256i x, __m256i y) { return dot_u8_vnni(x, y); }
  static __m256i scaled_add(__m256i acc, __m256i pairs, __m256i scale) { return _mm256_dpwssd_epi32(acc, pairs, scale); }
};

// Q6_K: (q - 32) . y = q . y - 32 * sum(y). The q . y sums of 16 elements (4 vpdpbusd lanes) are
// scaled in int32 and the -32 part comes from bsums once per block (one vpmaddwd), instead of a
// second maddubs per 32 values as in the AVX2 kernel. (maddubs + vpdpwssd by the scales, as in
// Q4_K, measured slower here: 16 dependent vpdpwssd per block.)
float q6_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    __m256i acc = _mm256_setzero_si256();
    // scales[g] spread over the 4 lanes that hold group g's sums: lanes 0-3 group 2s, 4-7 group 2s+1.
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
    for (int h = 0; h < 2; ++h) {
      __m256i q[4];
      q6_k_half(x[i].ql, x[i].qh, h, q);
      for (int s = 0; s < 4; ++s) {
        const int g = 8 * h + 2 * s;
        const __m256i scales = _mm256_set_m128i(_mm_set1_epi32(x[i].scales[g + 1]), _mm_set1_epi32(x[i].scales[g]));
        const __m256i d = dot_u8_vnni(q[s], load32(y[i].qs + 128 * h + 32 * s));
        acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(d, scales));
      }
    }
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    const int offset = hsum_i32(_mm256_madd_epi16(bsums, _mm256_cvtepi8_epi16(sc8)));
    sum += y[i].d * half(x[i].d) * static_cast<float>(hsum_i32(acc) - 32 * offset);
  }
  return sum;
}

}  // namespace

VecDotFn vec_dot(GgmlType type) { return vec_dot_table_detail::vec_dot_table<VnniDot>(type, q6_k); }

}  // namespace hfcpp::quant::avx512vnni
