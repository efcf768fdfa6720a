// Q2_K and Q3_K dot products against Q8_K, written once over how int16 pair sums are scaled and
// accumulated, and included by vec_dot_avx2.cpp and vec_dot_vnni.cpp, whose Dot policies differ
// there only: Dot::scaled_add(acc, p, s) = acc + the int32 sums of adjacent p * s pairs (vpmaddwd
// + vpaddd on AVX2, one vpdpwssd with VNNI: the same integers). The f32 scaling is the same code,
// so both give the same floats bit for bit.
//
// Both formats hold 2 low bits per element (32 bytes of qs per 128 elements, shift 2s selecting
// elements 32s .. 32s + 31) and a scale per 16-element group. Each 32-element chunk is one maddubs
// (unsigned weights 0..7 times signed activations, at most 7 * 128 * 2: no saturation) whose 16
// pair sums split into the chunk's two groups at the 128-bit lane boundary, so one vpshufb of the
// int16 scales gives each lane its group's scale.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::q2q3_dot_detail {
// Internal linkage: compiled with AVX2 and with AVX-512 flags (see avx2_helpers.h).
namespace {
using namespace avx2::detail;

// The int16 scales of groups 8h .. 8h + 7 (one 128-bit half of the 16) in both lanes.
inline __m256i half_scales(__m256i scales16, int h) {
  return _mm256_broadcastsi128_si256(h == 0 ? _mm256_castsi256_si128(scales16)
                                            : _mm256_extracti128_si256(scales16, 1));
}
// Chunk S of a half covers its groups 2S (low lane) and 2S + 1 (high lane).
template <int S>
__m256i chunk_scales(__m256i halves) {
  const __m256i pick = _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(((4 * S + 3) << 8) | (4 * S + 2))),
                                        _mm_set1_epi16(static_cast<int16_t>(((4 * S + 1) << 8) | (4 * S))));
  return _mm256_shuffle_epi8(halves, pick);
}

struct Q2Bits {
  __m256i qs[2];
  explicit Q2Bits(const uint8_t* q) : qs{load32(q), load32(q + 32)} {}
  template <int H, int S>
  __m256i get() const {
    return _mm256_and_si256(_mm256_srli_epi16(qs[H], 2 * S), _mm256_set1_epi8(3));
  }
};
// Q3_K: the 2 low bits plus 4 where the hmask bit is set (element 32i + l: bit i of hmask[l]);
// the values are q + 4 and the 4 comes off through the activations' group sums.
struct Q3Bits {
  Q2Bits low;
  __m256i hmask;
  Q3Bits(const uint8_t* q, const uint8_t* hm) : low(q), hmask(load32(hm)) {}
  template <int H, int S>
  __m256i get() const {
    constexpr int kBit = 4 * H + S;
    // A 16-bit shift puts bit kBit of each byte on its bit 2 (the 4); the mask drops what came
    // over from the neighbouring byte. One mask constant for all 8 chunks (AVX2 has 16 registers).
    __m256i moved = hmask;
    if constexpr (kBit < 2) moved = _mm256_slli_epi16(hmask, 2 - kBit);
    if constexpr (kBit > 2) moved = _mm256_srli_epi16(hmask, kBit - 2);
    return _mm256_or_si256(low.template get<H, S>(), _mm256_and_si256(moved, _mm256_set1_epi8(4)));
  }
};

template <class Dot, int H, int S, class Bits>
__m256i chunk(__m256i acc, const Bits& bits, const int8_t* y, __m256i halves) {
  const __m256i p = _mm256_maddubs_epi16(bits.template get<H, S>(), load32(y + 128 * H + 32 * S));
  return Dot::scaled_add(acc, p, chunk_scales<S>(halves));
}
// Sum over the 16 groups of scale[g] * (q . y over group g), as 8 int32 lanes. Two accumulators
// halve the dependency chain (vpdpwssd's latency); integer sums, so the order changes nothing.
template <class Dot, class Bits>
__m256i group_sums(const Bits& bits, const int8_t* y, __m256i scales16) {
  const __m256i h0 = half_scales(scales16, 0), h1 = half_scales(scales16, 1);
  __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
  a = chunk<Dot, 0, 0>(a, bits, y, h0);
  b = chunk<Dot, 0, 1>(b, bits, y, h0);
  a = chunk<Dot, 0, 2>(a, bits, y, h0);
  b = chunk<Dot, 0, 3>(b, bits, y, h0);
  a = chunk<Dot, 1, 0>(a, bits, y, h1);
  b = chunk<Dot, 1, 1>(b, bits, y, h1);
  a = chunk<Dot, 1, 2>(a, bits, y, h1);
  b = chunk<Dot, 1, 3>(b, bits, y, h1);
  return _mm256_add_epi32(a, b);
}

inline __m256i load_bsums(const BlockQ8_K& y) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums)); }

// Q2_K: d * sum(sc * q . y) - dmin * sum(m * bsums); scales[g] holds sc (low nibble) and m.
template <class Dot>
float q2_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m128i low4 = _mm_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
    const __m256i scales16 = _mm256_cvtepu8_epi16(_mm_and_si128(packed, low4));
    const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), low4));
    const __m256i sums = group_sums<Dot>(Q2Bits(x[i].qs), y[i].qs, scales16);
    const __m256i mins = _mm256_madd_epi16(mins16, load_bsums(y[i]));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half(x[i].d)), _mm256_cvtepi32_ps(sums), acc);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(-y[i].d * half(x[i].dmin)), _mm256_cvtepi32_ps(mins), acc);
  }
  return hsum(acc);
}

// Q3_K's 12 scale bytes -> the 16 signed 6-bit scales (as unpack_q3_scales): scale j takes its low
// 4 bits from a nibble of byte j % 8 (low nibble for j < 8) and its high 2 bits from bits
// 2 (j / 4), 2 (j / 4) + 1 of byte 8 + j % 4. (12 bytes: a 16-byte load could run past the array.)
inline __m128i q3_scales(const uint8_t* s) {
  const __m128i first8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s));
  int32_t last4;
  std::memcpy(&last4, s + 8, 4);
  const __m128i low = _mm_and_si128(_mm_unpacklo_epi64(first8, _mm_srli_epi16(first8, 4)), _mm_set1_epi8(0x0F));
  // Dword k holds bytes 8..11 shifted right by 2k; only each byte's own 2 bits survive the mask.
  const __m128i spread = _mm_srlv_epi32(_mm_set1_epi32(last4), _mm_setr_epi32(0, 2, 4, 6));
  const __m128i high = _mm_and_si128(_mm_slli_epi32(spread, 4), _mm_set1_epi8(0x30));
  return _mm_sub_epi8(_mm_or_si128(low, high), _mm_set1_epi8(32));
}

// Q3_K: d * sum(sc * (q + 4) . y) - 4 * sum(sc * bsums), q in [-4, 3]: the offset comes from
// Q8_K's group sums (bsums), one vpmaddwd per block instead of a second maddubs per chunk.
template <class Dot>
float q3_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const __m256i scales16 = _mm256_cvtepi8_epi16(q3_scales(x[i].scales));
    const __m256i sums = group_sums<Dot>(Q3Bits(x[i].qs, x[i].hmask), y[i].qs, scales16);
    const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales16, load_bsums(y[i])), 2);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half(x[i].d)), _mm256_cvtepi32_ps(_mm256_sub_epi32(sums, offset)),
                          acc);
  }
  return hsum(acc);
}

}  // namespace
}  // namespace hfcpp::quant::q2q3_dot_detail
