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

// ---- bf16 x bf16 GEMM with vdpbf16ps (A rows of k, B = W[n, k] as rows of k) ----
// vdpbf16ps multiplies pairs of bf16 (k, k+1) and adds both products into one f32 lane: twice
// the work of an f32 FMA per instruction. So both operands are read as 32-bit words, each a
// (k, k+1) pair: A's pairs are broadcast straight from its rows, and W is packed once per 32
// columns into [pair][column] order (a 32-bit transpose), for a 6 x 32 register tile of 12
// accumulators. The f32 path converts bf16 first and runs at half this rate.
constexpr int64_t kPairCols = 32;  // columns of a packed W panel: two 16-lane vectors
constexpr int64_t kPairRows = 6;   // rows of A per micro-kernel call

// 16 x 16 transpose of 32-bit words: r[i] holds row i, on return r[j] holds column j.
void transpose16x16_epi32(__m512i (&r)[16]) {
  __m512i t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[4g + c], 128-bit lane L: column 4L + c of rows 4g .. 4g + 3.
  for (int g4 = 0; g4 < 16; g4 += 4) {
    u[g4 + 0] = _mm512_unpacklo_epi64(t[g4], t[g4 + 2]);
    u[g4 + 1] = _mm512_unpackhi_epi64(t[g4], t[g4 + 2]);
    u[g4 + 2] = _mm512_unpacklo_epi64(t[g4 + 1], t[g4 + 3]);
    u[g4 + 3] = _mm512_unpackhi_epi64(t[g4 + 1], t[g4 + 3]);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512i lo01 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), hi01 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
    const __m512i lo23 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44);
    const __m512i hi23 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
    r[c] = _mm512_shuffle_i32x4(lo01, lo23, 0x88);
    r[4 + c] = _mm512_shuffle_i32x4(lo01, lo23, 0xDD);
    r[8 + c] = _mm512_shuffle_i32x4(hi01, hi23, 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(hi01, hi23, 0xDD);
  }
}

inline uint32_t bf16_pair(const uint16_t* row, int64_t p, int64_t k) {
  const uint32_t lo = row[p], hi = p + 1 < k ? row[p + 1] : 0;
  return lo | (hi << 16);
}

// W rows [j0, j0 + cols) (cols <= 32) -> out[pair * 32 + c], zero past cols and past k.
void pack_w_pairs(const GemmArgs& g, int64_t j0, int64_t cols, uint32_t* out) {
  const auto* w = static_cast<const uint16_t*>(g.b);
  const int64_t pairs = (g.k + 1) / 2, full_pairs = g.k / 2 / 16 * 16;
  for (int64_t h = 0; h < kPairCols; h += 16) {
    if (cols >= h + 16) {
      for (int64_t q = 0; q < full_pairs; q += 16) {
        __m512i r[16];
        for (int i = 0; i < 16; ++i)
          r[i] = _mm512_loadu_si512(w + (j0 + h + i) * g.ldb + 2 * q);
        transpose16x16_epi32(r);
        for (int c = 0; c < 16; ++c) _mm512_store_si512(out + (q + c) * kPairCols + h, r[c]);
      }
      for (int64_t q = full_pairs; q < pairs; ++q)
        for (int64_t c = 0; c < 16; ++c) out[q * kPairCols + h + c] = bf16_pair(w + (j0 + h + c) * g.ldb, 2 * q, g.k);
    } else {
      for (int64_t q = 0; q < pairs; ++q)
        for (int64_t c = 0; c < 16; ++c)
          out[q * kPairCols + h + c] = h + c < cols ? bf16_pair(w + (j0 + h + c) * g.ldb, 2 * q, g.k) : 0;
    }
  }
}

template <int R>
void pairs_micro_kernel(const GemmArgs& g, const uint32_t* panel, int64_t i0, int64_t j0, int64_t cols) {
  const auto* a = static_cast<const uint16_t*>(g.a) + i0 * g.lda;
  __m512 acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const int64_t full = g.k / 2;
  for (int64_t q = 0; q < full; ++q) {
    const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + q * kPairCols));
    const __m512bh b1 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + q * kPairCols + 16));
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      uint32_t pair;
      std::memcpy(&pair, a + r * g.lda + 2 * q, 4);
      const __m512bh av = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(pair)));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
  }
  if (g.k % 2 != 0) {  // the last element pairs with the zero the panel holds
    const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + full * kPairCols));
    const __m512bh b1 = reinterpret_cast<__m512bh>(_mm512_load_si512(panel + full * kPairCols + 16));
    for (int r = 0; r < R; ++r) {
      const __m512bh av = reinterpret_cast<__m512bh>(_mm512_set1_epi32(a[r * g.lda + g.k - 1]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
  }
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xFFFF) : cols > 16 ? __mmask16((1u << (cols - 16)) - 1) : __mmask16(0);
  const __m512 alpha = _mm512_set1_ps(g.alpha), beta = _mm512_set1_ps(g.beta);
  for (int r = 0; r < R; ++r) {
    float* c = g.c + (i0 + r) * g.ldc + j0;
    __m512 v0 = _mm512_mul_ps(acc[r][0], alpha), v1 = _mm512_mul_ps(acc[r][1], alpha);
    if (g.beta != 0.0f) {
      v0 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m0, c), v0);
      v1 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m1, c + 16), v1);
    }
    _mm512_mask_storeu_ps(c, m0, v0);
    _mm512_mask_storeu_ps(c + 16, m1, v1);
  }
}

void bf16_pairs_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  static thread_local PackBuffers buffers;
  const int64_t pairs = (g.k + 1) / 2;
  auto* panel = reinterpret_cast<uint32_t*>(PackBuffers::grow(buffers.b, buffers.b_cap, pairs * kPairCols));
  if (!panel) K::throw_out_of_memory();
  for (int64_t j = n0; j < n1; j += kPairCols) {
    const int64_t cols = min_i64(kPairCols, n1 - j);
    pack_w_pairs(g, j, cols, panel);
    int64_t i = m0;
    for (; i + kPairRows <= m1; i += kPairRows) pairs_micro_kernel<kPairRows>(g, panel, i, j, cols);
    switch (m1 - i) {
      case 5: pairs_micro_kernel<5>(g, panel, i, j, cols); break;
      case 4: pairs_micro_kernel<4>(g, panel, i, j, cols); break;
      case 3: pairs_micro_kernel<3>(g, panel, i, j, cols); break;
      case 2: pairs_micro_kernel<2>(g, panel, i, j, cols); break;
      case 1: pairs_micro_kernel<1>(g, panel, i, j, cols); break;
      default: break;
    }
  }
}

}  // namespace

const GemmKernels& gemm_kernels_avx512bf16() {
  static const GemmKernels kernels{&K::packed_block, &small_m_block, K::NR, &K::to_f32,
                                   &K::weight_rows_block, &bf16_pairs_block};
  return kernels;
}

}  // namespace hfcpp::tensor::cpu
