// The weight-rows tile's transpose, shared by the AVX2 and AVX-512 GEMM traits (256-bit shuffles,
// which both instruction sets have): rows 0..5 of `tile` (8 floats each, stride tile_ld) become
// out[i] = column i (8 vectors, lanes 6 and 7 zero). The callers differ only in how they store.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace hfcpp::tensor::cpu {
// Internal linkage: included by files built with different instruction-set flags.
namespace {

inline void transpose_6x8(const float* tile, int64_t tile_ld, __m256 (&out)[8]) {
  const __m256 z = _mm256_setzero_ps();
  const __m256 r0 = _mm256_loadu_ps(tile), r1 = _mm256_loadu_ps(tile + tile_ld);
  const __m256 r2 = _mm256_loadu_ps(tile + 2 * tile_ld), r3 = _mm256_loadu_ps(tile + 3 * tile_ld);
  const __m256 r4 = _mm256_loadu_ps(tile + 4 * tile_ld), r5 = _mm256_loadu_ps(tile + 5 * tile_ld);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  // Columns i = 0,1,4,5 / 2,3,6,7 of rows 0..3 (s0..s3) and rows 4..5 (s4..s7, upper half 0).
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, z, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, z, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, z, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, z, _MM_SHUFFLE(3, 2, 3, 2));
  out[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  out[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  out[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  out[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  out[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  out[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  out[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  out[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

}  // namespace
}  // namespace hfcpp::tensor::cpu
