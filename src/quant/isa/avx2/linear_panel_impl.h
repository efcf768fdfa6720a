// The 4-bit prefill panel kernel (Q4_0, Q4_1): up to 4 weight rows x 8 activation rows per call,
// activations interleaved by build_act_panels. Per block and weight row, 4 broadcast loads of the
// packed nibbles give the 8 groups of 4 weights; each group multiplies the same 4 elements of all 8
// activation rows, so a lane ends up holding one activation's sum. How a group's products are summed
// is the GroupDot policy (AVX2 maddubs, or VNNI vpdpbusd); both give the same exact int32 block sums,
// so the outputs agree bit for bit. Include only from files compiled with -mavx2 -mfma -mf16c or more.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::panel_detail {
// Internal linkage: this header is compiled with AVX2 and with AVX-512 flags, and the linker
// must never merge an AVX-512 copy of a helper into AVX2 code.
namespace {

using namespace avx2::detail;

inline __m256i broadcast4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// kOffsetQ4_1: weights d * q + m (Q4_1 x Q8_1); otherwise d * (q - 8) (Q4_0 x Q8_0).
// GroupDot: the integer block sum per lane, fed one group of 4 elements at a time (add), read once
// per block (dot) as 8 int32; see linear_panel_avx2.cpp / linear_panel_vnni.cpp.
template <class GroupDot, int R, bool kOffsetQ4_1, class Block>
void panel_rows(int64_t n_blocks, const std::byte* w, size_t w_stride, const ActPanelBlock* a, int acts, float* y,
                size_t ldy) {
  const __m256i low_nibble = _mm256_set1_epi8(0x0F);
  __m256 acc[R];
  for (auto& v : acc) v = _mm256_setzero_ps();
  for (int64_t b = 0; b < n_blocks; ++b) {
    const ActPanelBlock& p = a[b];
    const Block* blk[R];
    for (int r = 0; r < R; ++r) blk[r] = reinterpret_cast<const Block*>(w + static_cast<size_t>(r) * w_stride) + b;
    GroupDot sums[R];
    for (int g = 0; g < 4; ++g) {  // group g: elements 4g..4g+3 (low nibbles), group g + 4: 16 + 4g.. (high)
      const __m256i act_low = load32(p.qs[g]);
      const __m256i act_high = load32(p.qs[g + 4]);
      for (int r = 0; r < R; ++r) {
        const __m256i packed = broadcast4(blk[r]->qs + 4 * g);
        const __m256i lo = _mm256_and_si256(packed, low_nibble);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibble);
        sums[r].add(g == 0, lo, act_low, hi, act_high);
      }
    }
    const __m256 d_act = _mm256_loadu_ps(p.d);
    for (int r = 0; r < R; ++r) {
      __m256i dot = sums[r].dot();
      if constexpr (!kOffsetQ4_1) dot = _mm256_sub_epi32(dot, load32(p.sum8));
      const __m256 scale = _mm256_mul_ps(d_act, _mm256_set1_ps(half(blk[r]->d)));
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, acc[r]);
      if constexpr (kOffsetQ4_1) acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(half(blk[r]->m)), _mm256_loadu_ps(p.s), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    alignas(32) float lanes[kPanelActs];
    _mm256_store_ps(lanes, acc[r]);
    for (int c = 0; c < acts; ++c) y[static_cast<size_t>(c) * ldy + r] = lanes[c];
  }
}

template <class GroupDot, bool kOffsetQ4_1, class Block>
void panel(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const ActPanelBlock* a, int acts,
           float* y, size_t ldy) {
  switch (rows) {
    case 4: return panel_rows<GroupDot, 4, kOffsetQ4_1, Block>(n_blocks, w, w_stride, a, acts, y, ldy);
    case 3: return panel_rows<GroupDot, 3, kOffsetQ4_1, Block>(n_blocks, w, w_stride, a, acts, y, ldy);
    case 2: return panel_rows<GroupDot, 2, kOffsetQ4_1, Block>(n_blocks, w, w_stride, a, acts, y, ldy);
    default: return panel_rows<GroupDot, 1, kOffsetQ4_1, Block>(n_blocks, w, w_stride, a, acts, y, ldy);
  }
}

}  // namespace
}  // namespace hfcpp::quant::panel_detail
