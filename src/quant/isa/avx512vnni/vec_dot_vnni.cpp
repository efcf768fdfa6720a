// AVX-512 VNNI dot products (256-bit vpdpbusd, needs AVX512VL + VNNI). Compiled always, chosen
// only when cpu_features() reports avx512_vnni (this development machine has none: the scalar
// and AVX2 paths are what its tests run).
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "tensor/cpu/isa/avx2/avx2_reduce.h"

namespace hfcpp::quant::avx512vnni {
namespace {
using tensor::cpu::avx2::hsum;
// |x| as unsigned times sign-adjusted y: the signed dot product via one vpdpbusd.
inline __m256i dot_i8(__m256i x, __m256i y) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
}
inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
}  // namespace

float vec_dot_q4_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  const __m128i m = _mm_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].qs));
    const __m256i q = _mm256_sub_epi8(
        _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m)), _mm256_set1_epi8(8));
    const __m256 s = _mm256_cvtepi32_ps(dot_i8(q, load32(y[i].qs)));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(x[i].d) * _cvtsh_ss(y[i].d)), s, acc);
  }
  return hsum(acc);
}

float vec_dot_q8_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256 s = _mm256_cvtepi32_ps(dot_i8(load32(x[i].qs), load32(y[i].qs)));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(x[i].d) * _cvtsh_ss(y[i].d)), s, acc);
  }
  return hsum(acc);
}

}  // namespace hfcpp::quant::avx512vnni
