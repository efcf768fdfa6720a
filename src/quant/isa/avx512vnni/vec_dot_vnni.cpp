// AVX-512 VNNI dot products (256-bit vpdpbusd / vpdpwssd, needs AVX512VL + VNNI). Compiled always,
// chosen only when cpu_features() reports avx512_vnni. 256-bit forms on purpose: Zen 4 runs a
// 512-bit op as two 256-bit halves, and a 512-bit Q8_0 (two blocks per vpdpbusd) measured slower
// there (9.6 vs 9.2 us per 64 rows of 4096). Each kernel forms the same per-lane int32 sums as its
// AVX2 twin (vpdpbusd sums the same 4 bytes per lane as maddubs + madd, K-quant totals are exact
// integers) and scales them in the same f32 order, so the results equal the AVX2 ones bit for bit
// (Q5_K has no AVX2 kernel: it matches the scalar one up to f32 rounding).
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"
#include "quant/isa/avx2/vec_dot_legacy_impl.h"

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
};
}  // namespace

float vec_dot_q4_0(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q4_0<VnniDot>(n, w, a); }
float vec_dot_q4_1(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q4_1<VnniDot>(n, w, a); }
float vec_dot_q5_0(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q5_0<VnniDot>(n, w, a); }
float vec_dot_q5_1(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q5_1<VnniDot>(n, w, a); }
float vec_dot_q8_0(int64_t n, const void* w, const void* a) { return legacy_dot_detail::q8_0<VnniDot>(n, w, a); }

namespace {
// Q4_K / Q5_K share everything but the 5th bit: the 8 sub-block sums, each times its 6-bit scale,
// as one int32 total (maddubs pairs, then vpdpwssd by the scale: fewer uops than vpdpbusd +
// vpmulld, which measured slower than AVX2 here), and the mins against bsums
// (entry j of the bsums pairs with sub-block j / 2) as one vpmaddwd.
template <class Block, bool kFifth>
float vec_dot_k45(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    uint8_t sc[8], mn[8];
    unpack_k4_scales(x[i].scales, sc, mn);
    __m256i high = _mm256_setzero_si256();
    if constexpr (kFifth) high = load32(x[i].qh);
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(x[i].qs + 32 * c);
      __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      if constexpr (kFifth) {  // element 32g + l takes bit g of qh[l] as its 16
        const __m256i bit4 = _mm256_set1_epi8(0x10);
        lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(high, 2 * c), 4), bit4));
        hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(high, 2 * c + 1), 4), bit4));
      }
      // maddubs cannot saturate (31 * 128 * 2 < 32767); vpdpwssd then scales and accumulates.
      const __m256i plo = _mm256_maddubs_epi16(lo, load32(y[i].qs + 64 * c));
      const __m256i phi = _mm256_maddubs_epi16(hi, load32(y[i].qs + 64 * c + 32));
      acc = _mm256_dpwssd_epi32(acc, plo, _mm256_set1_epi16(sc[2 * c]));
      acc = _mm256_dpwssd_epi32(acc, phi, _mm256_set1_epi16(sc[2 * c + 1]));
    }
    const __m128i mn8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(mn));
    const __m256i mn16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn8, mn8));  // mn[j / 2]
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    const int mins = hsum_i32(_mm256_madd_epi16(bsums, mn16));
    sum += y[i].d * (half(x[i].d) * static_cast<float>(hsum_i32(acc)) - half(x[i].dmin) * static_cast<float>(mins));
  }
  return sum;
}
}  // namespace

float vec_dot_q4_k(int64_t n, const void* w, const void* a) { return vec_dot_k45<BlockQ4_K, false>(n, w, a); }
float vec_dot_q5_k(int64_t n, const void* w, const void* a) { return vec_dot_k45<BlockQ5_K, true>(n, w, a); }

// Q6_K: (q - 32) . y = q . y - 32 * sum(y). The q . y sums of 16 elements (4 vpdpbusd lanes) are
// scaled in int32 and the -32 part comes from bsums once per block (one vpmaddwd), instead of a
// second maddubs per 32 values as in the AVX2 kernel. (maddubs + vpdpwssd by the scales, as in
// Q4_K, measured slower here: 16 dependent vpdpwssd per block.)
float vec_dot_q6_k(int64_t n, const void* w, const void* a) {
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

}  // namespace hfcpp::quant::avx512vnni
