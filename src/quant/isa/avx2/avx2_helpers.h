// Small AVX2 helpers shared by the quantized dot products (vec_dot_avx2.cpp) and the prefill
// tiles (linear_tile_avx2.cpp). Include only from files compiled with -mavx2 -mfma -mf16c.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/blocks/block_types.h"
#include "tensor/cpu/isa/avx2/avx2_reduce.h"

namespace hfcpp::quant::avx2::detail {
// Internal linkage: this header is compiled with AVX2 and with AVX-512 flags, and the linker
// must never merge an AVX-512 copy of a helper into AVX2 code.
namespace {

inline float half(uint16_t h) { return _cvtsh_ss(h); }

using tensor::cpu::avx2::hsum;
inline int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}
// Signed int8 x signed int8, 32 lanes -> 8 int32 sums.
inline __m256i dot_i8(__m256i x, __m256i y) {
  const __m256i prod = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
  return _mm256_madd_epi16(prod, _mm256_set1_epi16(1));
}
// 16 bytes of nibbles -> 32 bytes: low nibbles (elements 0..15) then high nibbles (16..31). The 16
// bytes go to both lanes in one load; the upper lane shifts right by 4.
inline __m256i nibbles_32(const uint8_t* p) {
  const __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_and_si256(_mm256_srlv_epi64(v, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0F));
}
// Q5 blocks' 32 high bits -> 32 bytes, byte k = 0xFF where bit k is set: each byte first gets the
// qh byte that holds its bit (k / 8), then is tested against its own bit (1 << k % 8).
inline __m256i bits_to_bytes(const uint8_t* qh4) {
  const int32_t bits = static_cast<int32_t>(qh4[0] | (qh4[1] << 8) | (qh4[2] << 16) | (uint32_t{qh4[3]} << 24));
  const __m256i which_byte = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                              2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(bits), which_byte);
  const __m256i own_bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ULL));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, own_bit), own_bit);
}
// A Q5 block's 5-bit values 0..31 (elements in order), from its nibbles and high bits.
inline __m256i five_bit_32(const uint8_t* qs, const uint8_t* qh) {
  return _mm256_or_si256(nibbles_32(qs), _mm256_and_si256(bits_to_bytes(qh), _mm256_set1_epi8(0x10)));
}
inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
// The IQ4 code book kIq4Values in both 128-bit lanes, for iq4_32's vpshufb lookup.
inline __m256i iq4_codebook() {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Values)));
}
// An IQ4 block's 32 values (16 bytes of nibbles, as nibbles_32) looked up as int8 -127..113.
inline __m256i iq4_32(const uint8_t* qs, __m256i codebook) { return _mm256_shuffle_epi8(codebook, nibbles_32(qs)); }
// Half h (0 or 1) of a Q6_K super-block: its 128 6-bit values 0..63 as four 32-byte groups, q[s]
// holding elements 32 s .. 32 s + 31 of the half (low 4 bits from ql, high 2 from qh).
inline void q6_k_half(const uint8_t* ql, const uint8_t* qh, int h, __m256i (&q)[4]) {
  const __m256i low4 = _mm256_set1_epi8(0x0F), two = _mm256_set1_epi8(3);
  const __m256i ql0 = load32(ql + 64 * h), ql1 = load32(ql + 64 * h + 32);
  const __m256i qhv = load32(qh + 32 * h);
  q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(qhv, two), 4));
  q[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qhv, 2), two), 4));
  q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qhv, 4), two), 4));
  q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qhv, 6), two), 4));
}

}  // namespace
}  // namespace hfcpp::quant::avx2::detail
