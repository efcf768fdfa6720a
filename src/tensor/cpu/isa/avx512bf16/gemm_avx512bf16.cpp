// AVX-512 + BF16 GEMM kernels: the AVX-512 kernels, except that the small-m (decode) path with
// bf16 activations and bf16 weights uses vdpbf16ps, which multiplies pairs of bf16 and
// accumulates in f32 (32 products per instruction instead of 16 FMAs after conversion).
// Chosen only when core::active_isa() == Avx512Bf16 (not executable on AVX2-only machines).
#include "tensor/cpu/isa/avx512/gemm_avx512_vec.h"

namespace hfcpp::tensor::cpu {
namespace {
using K = Kernels<Avx512Vec>;

inline __m512bh load_bf16x32(const uint16_t* p) {
  return reinterpret_cast<__m512bh>(_mm512_loadu_si512(p));
}

template <int R, int C>
void dot_tile_bf16(const GemmArgs& g, int64_t i0, int64_t j0) {
  const auto* a = static_cast<const uint16_t*>(g.a) + i0 * g.lda;
  const auto* b = static_cast<const uint16_t*>(g.b) + j0 * g.ldb;
  __m512 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
  const int64_t k_vec = g.k / 32 * 32;
  for (int64_t p = 0; p < k_vec; p += 32) {
    __m512bh bv[C];
    for (int c = 0; c < C; ++c) bv[c] = load_bf16x32(b + c * g.ldb + p);
    for (int r = 0; r < R; ++r) {
      const __m512bh av = load_bf16x32(a + r * g.lda + p);
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_dpbf16_ps(acc[r][c], av, bv[c]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      float sum = _mm512_reduce_add_ps(acc[r][c]);
      for (int64_t p = k_vec; p < g.k; ++p)
        sum += scalar_to_f32<SrcBf16>(a[r * g.lda + p]) * scalar_to_f32<SrcBf16>(b[c * g.ldb + p]);
      float* out = g.c + (i0 + r) * g.ldc + j0 + c;
      const float v = g.alpha * sum;
      *out = g.beta != 0.0f ? v + g.beta * *out : v;
    }
  }
}

// m == 1: one weight row at a time, 4 accumulators, so the weight is read as one stream (as
// Kernels::gemv_row, which measured faster than rows side by side).
void gemv_row_bf16(const GemmArgs& g, int64_t i0, int64_t j) {
  const auto* a = static_cast<const uint16_t*>(g.a) + i0 * g.lda;
  const auto* b = static_cast<const uint16_t*>(g.b) + j * g.ldb;
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  const int64_t k_unrolled = g.k / 128 * 128, k_vec = g.k / 32 * 32;
  int64_t p = 0;
  for (; p < k_unrolled; p += 128)
    for (int u = 0; u < 4; ++u)
      acc[u] = _mm512_dpbf16_ps(acc[u], load_bf16x32(a + p + 32 * u), load_bf16x32(b + p + 32 * u));
  for (; p < k_vec; p += 32) acc[0] = _mm512_dpbf16_ps(acc[0], load_bf16x32(a + p), load_bf16x32(b + p));
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
  for (; p < g.k; ++p) sum += scalar_to_f32<SrcBf16>(a[p]) * scalar_to_f32<SrcBf16>(b[p]);
  float* out = g.c + i0 * g.ldc + j;
  *out = g.beta != 0.0f ? g.alpha * sum + g.beta * *out : g.alpha * sum;
}

void small_m_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.a_dtype != DType::BF16 || g.b_dtype != DType::BF16) {
    K::small_m_block(g, m0, m1, n0, n1);
    return;
  }
  if (m1 - m0 == 1) {
    for (int64_t j = n0; j < n1; ++j) gemv_row_bf16(g, m0, j);
    return;
  }
  int64_t j = n0;
  for (; j + 4 <= n1; j += 4) {
    int64_t i = m0;
    for (; i + 2 <= m1; i += 2) dot_tile_bf16<2, 4>(g, i, j);
    if (i < m1) dot_tile_bf16<1, 4>(g, i, j);
  }
  for (; j < n1; ++j) {
    int64_t i = m0;
    for (; i + 2 <= m1; i += 2) dot_tile_bf16<2, 1>(g, i, j);
    if (i < m1) dot_tile_bf16<1, 1>(g, i, j);
  }
}

}  // namespace

const GemmKernels& gemm_kernels_avx512bf16() {
  static const GemmKernels kernels{&K::packed_block, &small_m_block, K::NR, &K::to_f32,
                                   &K::weight_rows_block};
  return kernels;
}

}  // namespace hfcpp::tensor::cpu
