// AVX-512 (F/BW/VL/DQ) instantiation of the vector kernels (16 floats per register). Chosen only
// when cpuid reports AVX-512; the code is the same template as AVX2 with a wider vector type.
// GCC 12 warns inside its own AVX-512 headers (the _mm512_undefined_* placeholders); not ours.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "tensor/cpu/kernels/vec_kernels.h"

namespace hfcpp::tensor::cpu {
namespace {

struct VecAvx512 {
  using R = __m512;
  static constexpr int W = 16;
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static R set1(float f) { return _mm512_set1_ps(f); }
  static R zero() { return _mm512_setzero_ps(); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }  // second operand on NaN
  static R min(R a, R b) { return _mm512_min_ps(a, b); }
  static R sqrt(R a) { return _mm512_sqrt_ps(a); }
  static R abs(R a) { return _mm512_abs_ps(a); }
  static R neg(R a) { return _mm512_xor_ps(_mm512_set1_ps(-0.0f), a); }
  static R copysign(R mag, R sgn) {
    const R sign = _mm512_set1_ps(-0.0f);
    return _mm512_or_ps(_mm512_andnot_ps(sign, mag), _mm512_and_ps(sign, sgn));
  }
  // Masks are carried as all-ones/zero float lanes (like AVX2) so the template stays the same.
  static R from_mask(__mmask16 m) { return _mm512_castsi512_ps(_mm512_movm_epi32(m)); }
  static __mmask16 to_mask(R m) { return _mm512_movepi32_mask(_mm512_castps_si512(m)); }
  static R cmp_lt(R a, R b) { return from_mask(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)); }
  static R cmp_gt(R a, R b) { return from_mask(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)); }
  static R cmp_unord(R a, R b) { return from_mask(_mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q)); }
  static R select(R mask, R if_false, R if_true) { return _mm512_mask_blend_ps(to_mask(mask), if_false, if_true); }
  static R round(R a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static R pow2i(R n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static float hsum(R v) { return _mm512_reduce_add_ps(v); }
  static float hmax(R v) { return _mm512_reduce_max_ps(v); }
  static R load_f16(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static void store_f16(uint16_t* p, R v) {
    const R canon = _mm512_or_ps(_mm512_and_ps(v, _mm512_set1_ps(-0.0f)), _mm512_castsi512_ps(_mm512_set1_epi32(0x7fc00000)));
    v = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v, canon);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static R load_bf16(const uint16_t* p) {
    __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
  }
  static void store_bf16(uint16_t* p, R v) {
    __m512i u = _mm512_castps_si512(v);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
    __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
    __mmask16 is_nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
    __m512i r = _mm512_mask_blend_epi32(is_nan, rounded, quiet);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(r));
  }
};

constexpr CpuKernels kAvx512 = make_vec_kernels<VecAvx512>("avx512");

}  // namespace

const CpuKernels& avx512_kernels() { return kAvx512; }

}  // namespace hfcpp::tensor::cpu
