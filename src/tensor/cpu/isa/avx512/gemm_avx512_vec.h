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
  static float hsum(Vec v) { return _mm512_reduce_add_ps(v); }
};

}  // namespace
}  // namespace hfcpp::tensor::cpu
