// The legacy-block dot products (Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 IQ4_NL against Q8_0/Q8_1 activations), written once
// over the integer block dot and included by the AVX2 and the AVX-512 VNNI files, which differ only
// there: Dot::i8(x, y) (signed x signed) and Dot::u8(x, y) (unsigned x signed) return the 8 int32 sums
// of 4 adjacent byte products each (maddubs + madd on AVX2, one vpdpbusd with VNNI: the same integers).
// The f32 scaling is the same code, so both give the same floats bit for bit.
#pragma once

#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::legacy_dot_detail {
// Internal linkage: compiled with AVX2 and with AVX-512 flags (see avx2_helpers.h).
namespace {
using namespace avx2::detail;

// Blocks with signed int8 weights (Q8_0, IQ4_NL) against Q8_0: weights(block) gives the 32 values in order.
template <class Dot, class Block, class Weights>
float signed_x_q8_0(int64_t n, const void* w, const void* a, Weights weights) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256 s = _mm256_cvtepi32_ps(Dot::i8(weights(x[i]), load32(y[i].qs)));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(x[i].d) * half(y[i].d)), s, acc);
  }
  return hsum(acc);
}

// Blocks with unsigned weights (0..15 or 0..31) against Q8_1: weights(block) gives the 32 values in
// order, offset(block) the f32 constant every weight carries (Q4_1/Q5_1: m; Q4_0/Q5_0: -8 d / -16 d),
// which meets the activation block's d * sum(qs) (Q8_1's s) once per block. One unsigned dot per
// block, no sign trick: 4 fewer instructions per block than signed x Q8_0.
//
// Two interleaved accumulators (even and odd blocks): with ~12 instructions a block the loop would
// otherwise wait on its own f32 fma chains (4-cycle latency a block on Zen 4).
template <class Dot, class Block, class Weights, class Offset>
float unsigned_x_q8_1(int64_t n, const void* w, const void* a, Weights weights, Offset offset) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  float offsets[2] = {0.0f, 0.0f};
  const int64_t blocks = n / kQK;
  auto step = [&](int64_t i, int j) {
    const __m256 s = _mm256_cvtepi32_ps(Dot::u8(weights(x[i]), load32(y[i].qs)));
    acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(half(x[i].d) * y[i].d), s, acc[j]);
    offsets[j] += offset(x[i]) * y[i].s;
  };
  int64_t i = 0;
  for (; i + 1 < blocks; i += 2) step(i, 0), step(i + 1, 1);
  if (i < blocks) step(i, 0);
  return hsum(_mm256_add_ps(acc[0], acc[1])) + (offsets[0] + offsets[1]);
}

template <class Dot>
float q4_0(int64_t n, const void* w, const void* a) {
  return unsigned_x_q8_1<Dot, BlockQ4_0>(
      n, w, a, [](const BlockQ4_0& b) { return nibbles_32(b.qs); }, [](const BlockQ4_0& b) { return -8.0f * half(b.d); });
}

template <class Dot>
float q4_1(int64_t n, const void* w, const void* a) {
  return unsigned_x_q8_1<Dot, BlockQ4_1>(
      n, w, a, [](const BlockQ4_1& b) { return nibbles_32(b.qs); }, [](const BlockQ4_1& b) { return half(b.m); });
}

template <class Dot>
float q5_0(int64_t n, const void* w, const void* a) {
  return unsigned_x_q8_1<Dot, BlockQ5_0>(
      n, w, a, [](const BlockQ5_0& b) { return five_bit_32(b.qs, b.qh); },
      [](const BlockQ5_0& b) { return -16.0f * half(b.d); });
}

template <class Dot>
float q5_1(int64_t n, const void* w, const void* a) {
  return unsigned_x_q8_1<Dot, BlockQ5_1>(
      n, w, a, [](const BlockQ5_1& b) { return five_bit_32(b.qs, b.qh); }, [](const BlockQ5_1& b) { return half(b.m); });
}

template <class Dot>
float q8_0(int64_t n, const void* w, const void* a) {
  return signed_x_q8_0<Dot, BlockQ8_0>(n, w, a, [](const BlockQ8_0& b) { return load32(b.qs); });
}

// IQ4_NL: Q4_0's layout, the nibbles looked up in the code book instead of offset by -8.
template <class Dot>
float iq4_nl(int64_t n, const void* w, const void* a) {
  const __m256i codebook = iq4_codebook();
  return signed_x_q8_0<Dot, BlockIQ4_NL>(n, w, a, [codebook](const BlockIQ4_NL& b) { return iq4_32(b.qs, codebook); });
}

}  // namespace
}  // namespace hfcpp::quant::legacy_dot_detail
