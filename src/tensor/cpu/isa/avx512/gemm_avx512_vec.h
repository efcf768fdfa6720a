// 16-float vector traits for gemm_kernels_impl.h, shared by the avx512 and avx512bf16 files
// (both compiled with AVX-512 flags; never included from other code).
#pragma once

// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_ps): a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include "tensor/cpu/gemm_kernels_impl.h"

namespace hfcpp::tensor::cpu {
namespace {

struct Avx512Vec {
  using Vec = __m512;
  static constexpr int64_t kWidth = 16;
  static constexpr bool kHasTranspose = false;  // weight panels are packed by the scalar loop
  static constexpr bool kHasStoreTransposed6 = false;  // weight-rows tiles leave by the scalar loop
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
};

}  // namespace
}  // namespace hfcpp::tensor::cpu
