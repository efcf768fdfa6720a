// Super-block dot products against Q8_K activations (Q4_K Q5_K IQ4_XS), written once over the
// scaled integer accumulation and included by the AVX2 and the AVX-512 VNNI files:
// Dot::scaled_add(acc, pairs, scale) adds the int16 pairs times the int16 scale, summed two by two,
// to the 8 int32 lanes of acc (vpmaddwd + vpaddd on AVX2, one vpdpwssd with VNNI: the same
// integers). Block totals are exact integers and the f32 scaling is the same code, so both ISAs
// give the same floats bit for bit.
#pragma once

#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::kquant_dot_detail {
// Internal linkage: compiled with AVX2 and with AVX-512 flags (see avx2_helpers.h).
namespace {
using namespace avx2::detail;

// Q4_K / Q5_K share everything but the 5th bit: the 8 sub-block sums, each times its 6-bit scale,
// as one int32 total (maddubs pairs, then scaled_add: fewer uops than vpdpbusd + vpmulld, which
// measured slower than AVX2 with VNNI), and the mins against bsums (entry j of the bsums pairs
// with sub-block j / 2) as one vpmaddwd.
template <class Dot, class Block, bool kFifth>
float k45(int64_t n, const void* w, const void* a) {
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
      // maddubs cannot saturate (31 * 128 * 2 < 32767).
      const __m256i plo = _mm256_maddubs_epi16(lo, load32(y[i].qs + 64 * c));
      const __m256i phi = _mm256_maddubs_epi16(hi, load32(y[i].qs + 64 * c + 32));
      acc = Dot::scaled_add(acc, plo, _mm256_set1_epi16(sc[2 * c]));
      acc = Dot::scaled_add(acc, phi, _mm256_set1_epi16(sc[2 * c + 1]));
    }
    const __m128i mn8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(mn));
    const __m256i mn16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn8, mn8));  // mn[j / 2]
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    const int mins = hsum_i32(_mm256_madd_epi16(bsums, mn16));
    sum += y[i].d * (half(x[i].d) * static_cast<float>(hsum_i32(acc)) - half(x[i].dmin) * static_cast<float>(mins));
  }
  return sum;
}

// IQ4_XS: sub-block j (32 elements) is an IQ4_NL block's 16 bytes of nibbles with the signed
// 6-bit scale ((scales_l nibble j) | (scales_h bits 2j, 2j+1) << 4) - 32. The activations take
// the unsigned side of maddubs (|y|, the code with y's sign): Q8_K keeps -128, whose magnitude
// 128 is a valid unsigned byte, while the codes (-127..113) are safe to negate; no pair of
// products reaches the int16 limit (2 * 128 * 127 < 32767).
template <class Dot>
float iq4_xs(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i codebook = iq4_codebook();
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    __m256i acc = _mm256_setzero_si256();
    for (int j = 0; j < 8; ++j) {
      const int scale = (((x[i].scales_l[j / 2] >> (4 * (j % 2))) & 0xF) | (((x[i].scales_h >> (2 * j)) & 3) << 4)) - 32;
      const __m256i q = iq4_32(x[i].qs + 16 * j, codebook);
      const __m256i yv = load32(y[i].qs + 32 * j);
      const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(yv), _mm256_sign_epi8(q, yv));
      acc = Dot::scaled_add(acc, pairs, _mm256_set1_epi16(static_cast<int16_t>(scale)));
    }
    sum += half(x[i].d) * y[i].d * static_cast<float>(hsum_i32(acc));
  }
  return sum;
}

}  // namespace
}  // namespace hfcpp::quant::kquant_dot_detail
