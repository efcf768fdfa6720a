// 16-float vector traits for gemm_kernels_impl.h, shared by the avx512 and avx512bf16 files
// (both compiled with AVX-512 flags; never included from other code).
#pragma once

// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_ps): a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include "tensor/cpu/gemm_kernels_impl.h"
#include "tensor/cpu/isa/transpose_6x8_avx.h"

namespace hfcpp::tensor::cpu {
namespace {

struct Avx512Vec {
  using Vec = __m512;
  static constexpr int64_t kWidth = 16;
  static constexpr bool kHasTranspose = true;
  static constexpr bool kHasStoreTransposed6 = true;
  // Packed tile 12 x 32: 74 -> 84-87 GFLOP/s at 32x384x1536, 76 -> 92-94 at 512x4096x4096 over
  // 6 x 32 (1 thread, Zen 4); kKc = 128 measured no better.
  static constexpr int64_t kPackedMr = 12;
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec set1(float x) { return _mm512_set1_ps(x); }
  static Vec load_f32(const float* p) { return _mm512_loadu_ps(p); }
  template <class S>
  static Vec load(const typename S::T* p) {
    if constexpr (__is_same(S, SrcF32)) {
      return _mm512_loadu_ps(p);
    } else if constexpr (__is_same(S, SrcBf16)) {
      __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    } else {
      return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
  }
  // 2W = 32 elements as two vectors, 16-bit types in one 64-byte load (a whole cache line).
  template <class S>
  static void load_pair(const typename S::T* p, Vec& lo, Vec& hi) {
    if constexpr (__is_same(S, SrcF32)) {
      lo = _mm512_loadu_ps(p);
      hi = _mm512_loadu_ps(p + 16);
    } else {
      const __m512i v = _mm512_loadu_si512(p);
      const __m256i l = _mm512_castsi512_si256(v), h = _mm512_extracti64x4_epi64(v, 1);
      if constexpr (__is_same(S, SrcBf16)) {
        lo = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(l), 16));
        hi = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
      } else {
        lo = _mm512_cvtph_ps(l);
        hi = _mm512_cvtph_ps(h);
      }
    }
  }
  static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  static Vec mul(Vec a, Vec b) { return _mm512_mul_ps(a, b); }
  static Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
  static float hsum(Vec v) { return _mm512_reduce_add_ps(v); }
  static void hsum4(Vec a, Vec b, Vec c, Vec d, float* out) {
    out[0] = _mm512_reduce_add_ps(a);
    out[1] = _mm512_reduce_add_ps(b);
    out[2] = _mm512_reduce_add_ps(c);
    out[3] = _mm512_reduce_add_ps(d);
  }
  // 32 bf16 -> the 16 even-indexed and the 16 odd-indexed as f32 (see the AVX2 traits).
  static void split_bf16(const uint16_t* p, Vec& even, Vec& odd) {
    const __m512i v = _mm512_loadu_si512(p);
    even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    odd = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
  }
  // 32 floats -> dst[0..16) the even-indexed, dst[16..32) the odd-indexed.
  static void deinterleave_f32(const float* src, float* dst) {
    const __m512 lo = _mm512_loadu_ps(src), hi = _mm512_loadu_ps(src + 16);
    const __m512i even_idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_idx = _mm512_add_epi32(even_idx, _mm512_set1_epi32(1));
    _mm512_storeu_ps(dst, _mm512_permutex2var_ps(lo, even_idx, hi));
    _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(lo, odd_idx, hi));
  }
  // The weight-rows tile's way out: rows 0..5 of tile (8 floats each, stride tile_ld) become
  // columns 0..5 of `cols` (<= 8) rows of C: C[i][r] = alpha * tile[r][i] (+ beta * C[i][r]).
  // 256-bit shuffles as in the AVX2 traits, then one masked 6-float load/store per row.
  static void store_transposed_6x8(const float* tile, int64_t tile_ld, float* c, int64_t ldc,
                                   int64_t cols, float alpha, float beta) {
    __m256 out[8];
    transpose_6x8(tile, tile_ld, out);
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const __mmask8 six = 0x3F;
    for (int64_t i = 0; i < cols; ++i) {
      float* row = c + i * ldc;
      __m256 v = _mm256_mul_ps(out[i], va);
      if (beta != 0.0f) v = _mm256_fmadd_ps(vb, _mm256_maskz_loadu_ps(six, row), v);
      _mm256_mask_storeu_ps(row, six, v);
    }
  }
  // 16 rows of k (stride ld) -> dst[p * dst_stride + r]: 16x16 register transposes (pairs of
  // rows interleaved, then 4x4 blocks within 128-bit lanes, then the lanes themselves).
  template <class S>
  static void transpose_pack(const typename S::T* src, int64_t ld, int64_t kc, float* dst,
                             int64_t dst_stride) {
    int64_t p = 0;
    for (; p + 16 <= kc; p += 16) {
      __m512 r[16], t[16];
      for (int i = 0; i < 16; ++i) r[i] = load<S>(src + i * ld + p);
      for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
      }
      // r[4g + c], lane L: column 4L + c, rows 4g..4g+3.
      for (int g = 0; g < 4; ++g) {
        r[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
        r[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
        r[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        r[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
      }
      float* d = dst + p * dst_stride;
      for (int c = 0; c < 4; ++c) {
        const __m512 u0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44);
        const __m512 u1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
        const __m512 u2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44);
        const __m512 u3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
        _mm512_storeu_ps(d + (0 + c) * dst_stride, _mm512_shuffle_f32x4(u0, u2, 0x88));
        _mm512_storeu_ps(d + (4 + c) * dst_stride, _mm512_shuffle_f32x4(u0, u2, 0xDD));
        _mm512_storeu_ps(d + (8 + c) * dst_stride, _mm512_shuffle_f32x4(u1, u3, 0x88));
        _mm512_storeu_ps(d + (12 + c) * dst_stride, _mm512_shuffle_f32x4(u1, u3, 0xDD));
      }
    }
    for (; p < kc; ++p)
      for (int64_t r = 0; r < 16; ++r) dst[p * dst_stride + r] = scalar_to_f32<S>(src[r * ld + p]);
  }
};

}  // namespace
}  // namespace hfcpp::tensor::cpu
