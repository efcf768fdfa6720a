// The Q8_0 prefill tile (2 weight rows x 4 activation rows per call), shared by the AVX2 and the
// AVX-512 VNNI builds, which differ only in how 32 unsigned x signed bytes are summed (DotU8I8).
// Include only from files compiled with -mavx2 -mfma -mf16c or more.
#pragma once

#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::tile_detail {
// Internal linkage: this header is compiled with AVX2 and with AVX-512 flags, and the linker
// must never merge an AVX-512 copy of a helper into AVX2 code.
namespace {

using namespace avx2::detail;

constexpr int kRows = 2, kActs = 4;

// Signed weights (Q8_0) x Q8_0 activations: |w| . sign(w)*a as in dot_i8. DotU8I8: unsigned x
// signed int8, 32 lanes -> 8 int32 sums of 4 (AVX2 maddubs + madd, or VNNI vpdpbusd: the same sums).
template <class DotU8I8, class Block, class Unpack>
void tile_signed(int64_t k, const std::byte* w, size_t w_stride, const std::byte* a, size_t a_stride, float* out,
                 Unpack unpack) {
  __m256 acc[kRows][kActs];
  for (auto& row : acc)
    for (auto& v : row) v = _mm256_setzero_ps();
  for (int64_t b = 0; b < k / kQK; ++b) {
    __m256i wabs[kRows], wsign[kRows];
    float dw[kRows];
    for (int r = 0; r < kRows; ++r) {
      const Block& x = reinterpret_cast<const Block*>(w + static_cast<size_t>(r) * w_stride)[b];
      const __m256i q = unpack(x);
      wabs[r] = _mm256_sign_epi8(q, q);
      wsign[r] = q;
      dw[r] = half(x.d);
    }
    for (int c = 0; c < kActs; ++c) {
      const BlockQ8_0& y = reinterpret_cast<const BlockQ8_0*>(a + static_cast<size_t>(c) * a_stride)[b];
      const __m256i yv = load32(y.qs);
      const float dy = half(y.d);
      for (int r = 0; r < kRows; ++r)
        acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * dy), _mm256_cvtepi32_ps(DotU8I8::dot(wabs[r], _mm256_sign_epi8(yv, wsign[r]))),
                                    acc[r][c]);
    }
  }
  for (int c = 0; c < kActs; ++c)
    for (int r = 0; r < kRows; ++r) out[c * kRows + r] = hsum(acc[r][c]);
}

}  // namespace
}  // namespace hfcpp::quant::tile_detail
