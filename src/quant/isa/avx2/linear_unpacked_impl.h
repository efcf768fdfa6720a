// Prefill panels over unpacked weights (block_types.h, "Unpacked32" / "Unpacked256"): quant::linear
// unpacks each weight row of a task once (unpack_row32 / unpack_row256 below), and every panel of
// kPanelActs activation rows then reads one unsigned byte per weight. A group of 4 weights is a
// single broadcast load from the unpacked row, multiplied with the same 4 elements of all 8 activation
// rows, so a lane ends up holding one activation's sum: no nibble masking, no high-bit merging and no
// horizontal sums in the inner loop, and one kernel serves the 32-element blocks (Q5_0, Q5_1, Q8_0,
// IQ4_NL) and another every 256-element super-block (Q2_K .. Q6_K, IQ4_XS).
//
// How 4 products are summed into a lane is the Dot policy: VNNI vpdpbusd straight into int32, or AVX2
// maddubs into int16 pairs, summed in int16 over as many groups as cannot overflow for the type's
// largest byte kMaxU (Dot::run_length) and then widened by one vpmaddwd. Both give the same exact
// int32 block sums, so the outputs agree bit for bit. Include only from
// files compiled with -mavx2 -mfma -mf16c or more.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::unpacked_detail {
// Internal linkage: this header is compiled with AVX2 and with AVX-512 flags, and the linker
// must never merge an AVX-512 copy of a helper into AVX2 code.
namespace {

using namespace avx2::detail;

inline __m256i broadcast4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}
inline void store32(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

// ---- unpacking (once per weight row and task)

template <class Block>
void unpack_row32(const std::byte* row, int64_t n, std::byte* out) {
  const auto* x = reinterpret_cast<const Block*>(row);
  auto* u = reinterpret_cast<Unpacked32*>(out);
  for (int64_t b = 0; b < n / kQK; ++b) {
    if constexpr (std::is_same_v<Block, BlockQ5_0> || std::is_same_v<Block, BlockQ5_1>) {
      store32(u[b].u, five_bit_32(x[b].qs, x[b].qh));
    } else if constexpr (std::is_same_v<Block, BlockQ4_0> || std::is_same_v<Block, BlockQ4_1>) {
      store32(u[b].u, nibbles_32(x[b].qs));
    } else if constexpr (std::is_same_v<Block, BlockQ8_0>) {  // int8 + 128
      store32(u[b].u, _mm256_xor_si256(load32(x[b].qs), _mm256_set1_epi8(static_cast<char>(0x80))));
    } else {
      static_assert(std::is_same_v<Block, BlockIQ4_NL>);  // code book value + 128
      store32(u[b].u, _mm256_xor_si256(iq4_32(x[b].qs, iq4_codebook()), _mm256_set1_epi8(static_cast<char>(0x80))));
    }
    u[b].d = half(x[b].d);
    if constexpr (std::is_same_v<Block, BlockQ4_1> || std::is_same_v<Block, BlockQ5_1>) {
      u[b].m = half(x[b].m);
    } else {
      u[b].m = 0.0f;
    }
  }
}

// Element 32 i + l of a Q3_K / Q5_K super-block takes bit i of byte l of its 32 high-bit bytes:
// bit i of each byte of `bits`, moved to bit `to`.
inline __m256i bit_of_each_byte(__m256i bits, int i, int to) {
  const __m256i one = _mm256_and_si256(_mm256_srli_epi16(bits, i), _mm256_set1_epi8(1));
  return _mm256_slli_epi16(one, to);
}

template <class Block>
void unpack_row256(const std::byte* row, int64_t n, std::byte* out) {
  const auto* x = reinterpret_cast<const Block*>(row);
  auto* u = reinterpret_cast<Unpacked256*>(out);
  const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const Block& blk = x[b];
    Unpacked256& o = u[b];
    if constexpr (std::is_same_v<Block, BlockQ4_K> || std::is_same_v<Block, BlockQ5_K>) {
      for (int c = 0; c < 4; ++c) {
        const __m256i q = load32(blk.qs + 32 * c);
        __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if constexpr (std::is_same_v<Block, BlockQ5_K>) {
          const __m256i qh = load32(blk.qh);
          lo = _mm256_or_si256(lo, bit_of_each_byte(qh, 2 * c, 4));
          hi = _mm256_or_si256(hi, bit_of_each_byte(qh, 2 * c + 1, 4));
        }
        store32(o.u + 64 * c, lo);
        store32(o.u + 64 * c + 32, hi);
      }
      uint8_t sc[8], mn[8];
      unpack_k4_scales(blk.scales, sc, mn);
      for (int g = 0; g < 16; ++g) o.sc[g] = sc[g / 2], o.bias[g] = mn[g / 2];
      o.dw = half(blk.d), o.db = -half(blk.dmin);
    } else if constexpr (std::is_same_v<Block, BlockIQ4_XS>) {  // code book value + 128, 6-bit scales - 32
      const __m256i codebook = iq4_codebook(), flip = _mm256_set1_epi8(static_cast<char>(0x80));
      for (int j = 0; j < 8; ++j) store32(o.u + 32 * j, _mm256_xor_si256(iq4_32(blk.qs + 16 * j, codebook), flip));
      for (int j = 0; j < 8; ++j) {
        const int ls = ((blk.scales_l[j / 2] >> (4 * (j % 2))) & 0xF) | (((blk.scales_h >> (2 * j)) & 3) << 4);
        o.sc[2 * j] = o.sc[2 * j + 1] = ls - 32;
        o.bias[2 * j] = o.bias[2 * j + 1] = static_cast<int16_t>(-128 * (ls - 32));
      }
      o.dw = o.db = half(blk.d);
    } else if constexpr (std::is_same_v<Block, BlockQ6_K>) {
      for (int h = 0; h < 2; ++h) {
        __m256i q[4];
        q6_k_half(blk.ql, blk.qh, h, q);
        for (int s = 0; s < 4; ++s) store32(o.u + 128 * h + 32 * s, q[s]);
      }
      for (int g = 0; g < 16; ++g) o.sc[g] = blk.scales[g], o.bias[g] = static_cast<int16_t>(-32 * blk.scales[g]);
      o.dw = o.db = half(blk.d);
    } else {  // Q2_K, Q3_K: element 128 h + 32 s + l is bits 2s, 2s+1 of qs[32 h + l]
      for (int h = 0; h < 2; ++h) {
        const __m256i q = load32(blk.qs + 32 * h);
        for (int s = 0; s < 4; ++s) {
          __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), low2);
          if constexpr (std::is_same_v<Block, BlockQ3_K>)  // value = v - 4 where the hmask bit is clear
            v = _mm256_or_si256(v, bit_of_each_byte(load32(blk.hmask), 4 * h + s, 2));
          store32(o.u + 128 * h + 32 * s, v);
        }
      }
      if constexpr (std::is_same_v<Block, BlockQ3_K>) {
        int8_t sc[16];
        unpack_q3_scales(blk.scales, sc);
        for (int g = 0; g < 16; ++g) o.sc[g] = sc[g], o.bias[g] = static_cast<int16_t>(-4 * sc[g]);
        o.dw = o.db = half(blk.d);
      } else {
        for (int g = 0; g < 16; ++g) o.sc[g] = blk.scales[g] & 0xF, o.bias[g] = blk.scales[g] >> 4;
        o.dw = half(blk.d), o.db = -half(blk.dmin);
      }
    }
  }
}

// ---- kernels

// sums[r] = the int32 dot of groups [0, kGroups) of 4 unpacked weights (u[r] + 4 g) with acts[g], per
// activation lane; Dot's partial sums restart every kRun groups (AVX2's int16 runs).
template <class Dot, int R, int kGroups, int kRun>
inline void group_sums(const uint8_t* const (&u)[R], const int8_t (*acts)[kPanelActs][4], __m256i (&sums)[R]) {
  __m256i part[R];
#pragma GCC unroll 8  // the run boundaries below must resolve at compile time
  for (int g = 0; g < kGroups; ++g) {
    const __m256i act = load32(acts[g]);
    for (int r = 0; r < R; ++r) {
      part[r] = Dot::add(g % kRun == 0, part[r], broadcast4(u[r] + 4 * g), act);
      if ((g + 1) % kRun == 0)
        sums[r] = g + 1 == kRun ? Dot::finish(part[r]) : _mm256_add_epi32(sums[r], Dot::finish(part[r]));
    }
  }
}

// 32-element blocks: weight = d * (u - kOffset) + m, activations Q8_0 (kMin false) or Q8_1.
template <class Dot, int kMaxU, int kOffset, bool kMin>
struct Blocks32 {
  static_assert(kOffset == 0 || kOffset == 8 || kOffset == 16 || kOffset == 128);
  using Weights = Unpacked32;
  using Acts = ActPanelBlock;
  template <int R>
  static void accumulate(const Weights* const (&w)[R], const Acts& p, __m256 (&acc)[R]) {
    const uint8_t* u[R];
    for (int r = 0; r < R; ++r) u[r] = w[r]->u;
    __m256i sums[R];
    group_sums<Dot, R, 8, Dot::run_length(kMaxU)>(u, p.qs, sums);
    const __m256 d_act = _mm256_loadu_ps(p.d);
    __m256i offset = _mm256_setzero_si256();  // kOffset * sum(activations), from 8 * sum
    if constexpr (kOffset != 0) offset = _mm256_slli_epi32(load32(p.sum8), kOffset == 8 ? 0 : kOffset == 16 ? 1 : 4);
    for (int r = 0; r < R; ++r) {
      const __m256i dot = kOffset != 0 ? _mm256_sub_epi32(sums[r], offset) : sums[r];
      const __m256 scale = _mm256_mul_ps(d_act, _mm256_set1_ps(w[r]->d));
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, acc[r]);
      if constexpr (kMin) acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(w[r]->m), _mm256_loadu_ps(p.s), acc[r]);
    }
  }
};

// K-quant super-blocks: dot = d_act * (dw * sum_g sc[g] (u . a)_g + db * sum_g bias[g] sum(a)_g) over
// 16-element groups g. kFoldBias (Q3_K, Q6_K, IQ4_XS: db == dw) adds the bias sum in int32 before
// scaling, as their vec_dots do, instead of rounding two large f32 terms that nearly cancel.
template <class Dot, int kMaxU, bool kFoldBias>
struct Blocks256 {
  using Weights = Unpacked256;
  using Acts = ActPanelBlockK;
  template <int R>
  static void accumulate(const Weights* const (&w)[R], const Acts& p, __m256 (&acc)[R]) {
    constexpr int kRun = Dot::run_length(kMaxU) < 4 ? Dot::run_length(kMaxU) : 4;
    __m256i total[R], bias_total[R];
    for (int r = 0; r < R; ++r) total[r] = _mm256_setzero_si256();
    for (int g = 0; g < 16; ++g) {
      const uint8_t* u[R];
      for (int r = 0; r < R; ++r) u[r] = w[r]->u + 16 * g;
      __m256i sums[R];
      group_sums<Dot, R, 4, kRun>(u, p.qs + 4 * g, sums);
      for (int r = 0; r < R; ++r)
        total[r] = _mm256_add_epi32(total[r], _mm256_mullo_epi32(sums[r], _mm256_set1_epi32(w[r]->sc[g])));
    }
    for (int q = 0; q < 8; ++q) {  // group pairs: one vpmaddwd per pair and row
      const __m256i group_sums = load32(p.bsums[q]);
      for (int r = 0; r < R; ++r) {
        const int32_t pair = static_cast<int32_t>(static_cast<uint16_t>(w[r]->bias[2 * q]) |
                                                  (static_cast<uint32_t>(static_cast<uint16_t>(w[r]->bias[2 * q + 1])) << 16));
        const __m256i t = _mm256_madd_epi16(group_sums, _mm256_set1_epi32(pair));
        bias_total[r] = q == 0 ? t : _mm256_add_epi32(bias_total[r], t);
      }
    }
    const __m256 d_act = _mm256_loadu_ps(p.d);
    for (int r = 0; r < R; ++r) {
      __m256 v;
      if constexpr (kFoldBias) {
        v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(total[r], bias_total[r])), _mm256_set1_ps(w[r]->dw));
      } else {
        v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total[r]), _mm256_set1_ps(w[r]->dw),
                            _mm256_mul_ps(_mm256_cvtepi32_ps(bias_total[r]), _mm256_set1_ps(w[r]->db)));
      }
      acc[r] = _mm256_fmadd_ps(d_act, v, acc[r]);
    }
  }
};

// R unpacked weight rows x one panel of activations, block by block (Blocks: Blocks32 or Blocks256).
template <class Blocks, int R>
void panel_rows(int64_t n_blocks, const std::byte* w, size_t w_stride, const typename Blocks::Acts* a, int acts,
                float* y, size_t ldy) {
  using Weights = typename Blocks::Weights;
  const Weights* rows[R];
  for (int r = 0; r < R; ++r) rows[r] = reinterpret_cast<const Weights*>(w + static_cast<size_t>(r) * w_stride);
  __m256 acc[R];
  for (auto& v : acc) v = _mm256_setzero_ps();
  for (int64_t b = 0; b < n_blocks; ++b) {
    const Weights* blocks[R];
    for (int r = 0; r < R; ++r) blocks[r] = rows[r] + b;
    Blocks::template accumulate<R>(blocks, a[b], acc);
  }
  for (int r = 0; r < R; ++r) {
    alignas(32) float lanes[kPanelActs];
    _mm256_store_ps(lanes, acc[r]);
    for (int c = 0; c < acts; ++c) y[static_cast<size_t>(c) * ldy + r] = lanes[c];
  }
}

template <class Blocks>
void panel(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const std::byte* a, int acts, float* y,
           size_t ldy) {
  const auto* p = reinterpret_cast<const typename Blocks::Acts*>(a);
  switch (rows) {
    case 4: return panel_rows<Blocks, 4>(n_blocks, w, w_stride, p, acts, y, ldy);
    case 3: return panel_rows<Blocks, 3>(n_blocks, w, w_stride, p, acts, y, ldy);
    case 2: return panel_rows<Blocks, 2>(n_blocks, w, w_stride, p, acts, y, ldy);
    default: return panel_rows<Blocks, 1>(n_blocks, w, w_stride, p, acts, y, ldy);
  }
}

// The unpack + panel pair of a weight type on this ISA (Dot), or none. Types unpacked to + 128 (Q8_0,
// IQ4_NL, IQ4_XS) need a Dot that takes bytes up to 255 (vpdpbusd: AVX2's maddubs would saturate its
// int16 pairs).
template <class Dot>
UnpackedPanelKernel kernel_for(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return {unpack_row32<BlockQ4_0>, panel<Blocks32<Dot, 15, 8, false>>};
    case GgmlType::Q4_1: return {unpack_row32<BlockQ4_1>, panel<Blocks32<Dot, 15, 0, true>>};
    case GgmlType::Q5_0: return {unpack_row32<BlockQ5_0>, panel<Blocks32<Dot, 31, 16, false>>};
    case GgmlType::Q5_1: return {unpack_row32<BlockQ5_1>, panel<Blocks32<Dot, 31, 0, true>>};
    case GgmlType::Q2_K: return {unpack_row256<BlockQ2_K>, panel<Blocks256<Dot, 3, false>>};
    case GgmlType::Q3_K: return {unpack_row256<BlockQ3_K>, panel<Blocks256<Dot, 7, true>>};
    case GgmlType::Q4_K: return {unpack_row256<BlockQ4_K>, panel<Blocks256<Dot, 15, false>>};
    case GgmlType::Q5_K: return {unpack_row256<BlockQ5_K>, panel<Blocks256<Dot, 31, false>>};
    case GgmlType::Q6_K: return {unpack_row256<BlockQ6_K>, panel<Blocks256<Dot, 63, true>>};
    default: break;
  }
  if constexpr (Dot::kFullBytes) {
    switch (type) {
      case GgmlType::Q8_0: return {unpack_row32<BlockQ8_0>, panel<Blocks32<Dot, 255, 128, false>>};
      case GgmlType::IQ4_NL: return {unpack_row32<BlockIQ4_NL>, panel<Blocks32<Dot, 255, 128, false>>};
      case GgmlType::IQ4_XS: return {unpack_row256<BlockIQ4_XS>, panel<Blocks256<Dot, 255, true>>};
      default: break;
    }
  }
  return {};
}

}  // namespace
}  // namespace hfcpp::quant::unpacked_detail
