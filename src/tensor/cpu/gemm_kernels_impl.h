// The SIMD GEMM kernels, written once over a vector-traits type and included by each
// isa/<name>/gemm_<name>.cpp, which supplies the traits (AVX2: 8 floats, AVX-512: 16) and is
// compiled with that instruction set's flags. Everything here sits in an anonymous namespace so
// that code built with AVX-512 flags can never be merged by the linker into an AVX2 or scalar
// caller; for the same reason it uses no standard-library templates and no threading (gemm.cpp
// splits the work).
//
// Three kernels:
//  * weight_rows_block: B given as rows of k (a linear weight W[n,k], trans_b), so C^T = W op(A)^T
//    with W as the broadcast operand read along its rows as stored: no transposition of the large
//    operand (f32 weights are not even copied; bf16/f16 ones are converted 6 rows at a time).
//    op(A)^T is packed into 2W-wide panels; 6 weight rows x 2W rows of A in 12 accumulators.
//  * packed_block: BLIS-style. B is packed into kKc x NR panels and A into kMc x kKc blocks of
//    MR-row panels, both converted to f32 while packing (so bf16/f16 weights are never converted
//    as a whole, only one panel at a time); an MR x NR register tile (6 x 2 vectors; 12 x 2 with
//    AVX-512's 32 registers) accumulates with FMA over kc. Any dtype/transposition of A and B.
//  * small_m_block: the decode case (few rows of A, B = W[n,k] rows). Dot products straight from
//    the weight rows with no packing, so each weight byte is read once per 2 rows of A.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "tensor/cpu/gemm.h"

namespace hfcpp::tensor::cpu {
namespace {

inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }

// Source element types: the storage type and how one element becomes f32.
struct SrcF32 { using T = float; };
struct SrcBf16 { using T = uint16_t; };
struct SrcF16 { using T = uint16_t; };

template <class S>
inline float scalar_to_f32(typename S::T v) {
  if constexpr (sizeof(typename S::T) == 4) {
    return v;
  } else if constexpr (__is_same(S, SrcBf16)) {
    uint32_t bits = static_cast<uint32_t>(v) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  } else {
    return _cvtsh_ss(v);
  }
}

// Blocking (f32 elements): an A block kMc x kKc (72 KiB) stays in L2, a B micro-panel kKc x NR
// (16 KiB with NR = 16) in L1.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 72;
constexpr int64_t kMr = 6;

// Per-thread packing buffers, grown on demand and reused across calls (no allocation per call).
struct PackBuffers {
  float* a = nullptr;
  float* b = nullptr;
  int64_t a_cap = 0, b_cap = 0;
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
  static float* grow(float*& p, int64_t& cap, int64_t need) {
    if (need > cap) {
      std::free(p);
      size_t bytes = (static_cast<size_t>(need) * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p) {
        cap = 0;
        return nullptr;
      }
      cap = need;
    }
    return p;
  }
};

template <class V>
struct Kernels {
  using Vec = typename V::Vec;
  static constexpr int64_t W = V::kWidth;
  static constexpr int64_t NR = 2 * W;
  // The packed kernel's register tile rows: kMr unless the traits say otherwise (AVX-512's 32
  // vector registers hold 12 x 2 accumulators).
  static constexpr int64_t MR = [] {
    if constexpr (requires { V::kPackedMr; }) return V::kPackedMr; else return kMr;
  }();
  static_assert(kMc % MR == 0);

  // ---- packing ----
  // A block rows [i0, i0+mc), cols [p0, p0+kc) into MR-row panels: dst[panel][p][MR], zero-padded.
  template <class S>
  static void pack_a(const GemmArgs& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* dst) {
    const auto* a = static_cast<const typename S::T*>(g.a);
    for (int64_t ip = 0; ip < mc; ip += MR) {
      const int64_t mr = min_i64(MR, mc - ip);
      float* out = dst + ip * kc;
      if (!g.trans_a) {
        for (int64_t i = 0; i < mr; ++i) {
          const auto* row = a + (i0 + ip + i) * g.lda + p0;
          for (int64_t p = 0; p < kc; ++p) out[p * MR + i] = scalar_to_f32<S>(row[p]);
        }
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          const auto* col = a + (p0 + p) * g.lda + i0 + ip;
          for (int64_t i = 0; i < mr; ++i) out[p * MR + i] = scalar_to_f32<S>(col[i]);
        }
      }
      for (int64_t i = mr; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) out[p * MR + i] = 0.0f;
    }
  }

  // B block rows [p0, p0+kc), cols [j0, j0+nc) into NR-column panels: dst[panel][p][NR].
  template <class S>
  static void pack_b(const GemmArgs& g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
    const auto* b = static_cast<const typename S::T*>(g.b);
    for (int64_t jp = 0; jp < nc; jp += NR) {
      const int64_t nr = min_i64(NR, nc - jp);
      float* out = dst + jp * kc;
      if (!g.trans_b) {
        if (nr == NR) {
          for (int64_t p = 0; p < kc; ++p) {
            const auto* row = b + (p0 + p) * g.ldb + j0 + jp;
            V::store(out + p * NR, V::template load<S>(row));
            V::store(out + p * NR + W, V::template load<S>(row + W));
          }
        } else {
          for (int64_t p = 0; p < kc; ++p) {
            const auto* row = b + (p0 + p) * g.ldb + j0 + jp;
            for (int64_t j = 0; j < nr; ++j) out[p * NR + j] = scalar_to_f32<S>(row[j]);
            for (int64_t j = nr; j < NR; ++j) out[p * NR + j] = 0.0f;
          }
        }
      } else {
        // B^T stored as rows of k (a weight W[n,k]): read each row sequentially, scatter into
        // the L1-resident panel.
        int64_t j = 0;
        if constexpr (V::kHasTranspose) {
          if (nr == NR)
            for (; j < NR; j += W)
              V::template transpose_pack<S>(b + (j0 + jp + j) * g.ldb + p0, g.ldb, kc, out + j, NR);
        }
        for (; j < nr; ++j) {
          const auto* row = b + (j0 + jp + j) * g.ldb + p0;
          for (int64_t p = 0; p < kc; ++p) out[p * NR + j] = scalar_to_f32<S>(row[p]);
        }
        for (; j < NR; ++j)
          for (int64_t p = 0; p < kc; ++p) out[p * NR + j] = 0.0f;
      }
    }
  }

  // ---- the MR x NR micro-kernel on packed panels ----
  // C tile = alpha * sum_p pa[p][:] x pb[p][:] + beta * C tile (beta == 0: C not read).
  // alpha and beta come through memory: as float arguments they would sit in two vector
  // registers during the k loop and force GCC to spill an accumulator.
  static void micro_kernel(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc,
                           int64_t mr, int64_t nr, const float* alpha_beta) {
    if constexpr (MR != 6) {
      micro_kernel_tall(kc, pa, pb, c, ldc, mr, nr, alpha_beta);
      return;
    }
    Vec c00 = V::zero(), c01 = V::zero(), c10 = V::zero(), c11 = V::zero();
    Vec c20 = V::zero(), c21 = V::zero(), c30 = V::zero(), c31 = V::zero();
    Vec c40 = V::zero(), c41 = V::zero(), c50 = V::zero(), c51 = V::zero();
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; ++p) {
      const Vec b0 = V::load_f32(pb + p * NR);
      const Vec b1 = V::load_f32(pb + p * NR + W);
      const float* ap = pa + p * MR;
      Vec a = V::set1(ap[0]);
      c00 = V::fma(a, b0, c00); c01 = V::fma(a, b1, c01);
      a = V::set1(ap[1]);
      c10 = V::fma(a, b0, c10); c11 = V::fma(a, b1, c11);
      a = V::set1(ap[2]);
      c20 = V::fma(a, b0, c20); c21 = V::fma(a, b1, c21);
      a = V::set1(ap[3]);
      c30 = V::fma(a, b0, c30); c31 = V::fma(a, b1, c31);
      a = V::set1(ap[4]);
      c40 = V::fma(a, b0, c40); c41 = V::fma(a, b1, c41);
      a = V::set1(ap[5]);
      c50 = V::fma(a, b0, c50); c51 = V::fma(a, b1, c51);
    }
    alignas(64) float tile[MR * NR];
    V::store(tile + 0 * NR, c00); V::store(tile + 0 * NR + W, c01);
    V::store(tile + 1 * NR, c10); V::store(tile + 1 * NR + W, c11);
    V::store(tile + 2 * NR, c20); V::store(tile + 2 * NR + W, c21);
    V::store(tile + 3 * NR, c30); V::store(tile + 3 * NR + W, c31);
    V::store(tile + 4 * NR, c40); V::store(tile + 4 * NR + W, c41);
    V::store(tile + 5 * NR, c50); V::store(tile + 5 * NR + W, c51);
    const float alpha = alpha_beta[0], beta = alpha_beta[1];
    if (nr == NR) {
      const Vec va = V::set1(alpha), vb = V::set1(beta);
      for (int64_t i = 0; i < mr; ++i) {
        float* row = c + i * ldc;
        for (int64_t h = 0; h < NR; h += W) {
          Vec r = V::mul(V::load_f32(tile + i * NR + h), va);
          if (beta != 0.0f) r = V::fma(vb, V::load_f32(row + h), r);
          V::store(row + h, r);
        }
      }
    } else {
      for (int64_t i = 0; i < mr; ++i)
        for (int64_t j = 0; j < nr; ++j) {
          float r = alpha * tile[i * NR + j];
          c[i * ldc + j] = beta != 0.0f ? r + beta * c[i * ldc + j] : r;
        }
    }
  }

  // The same for MR != 6 (a tile of MR x 2 vectors), written over arrays.
  static void micro_kernel_tall(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc,
                                int64_t mr, int64_t nr, const float* alpha_beta) {
    Vec acc[MR][2];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = V::zero();
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; ++p) {
      const Vec b0 = V::load_f32(pb + p * NR);
      const Vec b1 = V::load_f32(pb + p * NR + W);
      const float* ap = pa + p * MR;
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const Vec a = V::set1(ap[i]);
        acc[i][0] = V::fma(a, b0, acc[i][0]);
        acc[i][1] = V::fma(a, b1, acc[i][1]);
      }
    }
    const float alpha = alpha_beta[0], beta = alpha_beta[1];
    if (nr == NR) {
      const Vec va = V::set1(alpha), vb = V::set1(beta);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        if (i >= mr) break;
        float* row = c + i * ldc;
        Vec r0 = V::mul(acc[i][0], va), r1 = V::mul(acc[i][1], va);
        if (beta != 0.0f) {
          r0 = V::fma(vb, V::load_f32(row), r0);
          r1 = V::fma(vb, V::load_f32(row + W), r1);
        }
        V::store(row, r0);
        V::store(row + W, r1);
      }
      return;
    }
    alignas(64) float tile[MR * NR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      V::store(tile + i * NR, acc[i][0]);
      V::store(tile + i * NR + W, acc[i][1]);
    }
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) {
        float r = alpha * tile[i * NR + j];
        c[i * ldc + j] = beta != 0.0f ? r + beta * c[i * ldc + j] : r;
      }
  }

  template <class SA, class SB>
  static void packed_block_t(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    static thread_local PackBuffers buffers;
    const int64_t nc = n1 - n0;
    const int64_t nc_padded = (nc + NR - 1) / NR * NR;
    float* pb = PackBuffers::grow(buffers.b, buffers.b_cap, kKc * nc_padded);
    float* pa = PackBuffers::grow(buffers.a, buffers.a_cap, kKc * kMc);
    if (!pb || !pa) throw_out_of_memory();
    for (int64_t p0 = 0; p0 < g.k; p0 += kKc) {
      const int64_t kc = min_i64(kKc, g.k - p0);
      const float alpha_beta[2] = {g.alpha, p0 == 0 ? g.beta : 1.0f};
      pack_b<SB>(g, p0, kc, n0, nc, pb);
      for (int64_t i0 = m0; i0 < m1; i0 += kMc) {
        const int64_t mc = min_i64(kMc, m1 - i0);
        pack_a<SA>(g, i0, mc, p0, kc, pa);
        for (int64_t jp = 0; jp < nc; jp += NR) {
          const int64_t nr = min_i64(NR, nc - jp);
          for (int64_t ip = 0; ip < mc; ip += MR) {
            micro_kernel(kc, pa + ip * kc, pb + jp * kc, g.c + (i0 + ip) * g.ldc + n0 + jp, g.ldc,
                         min_i64(MR, mc - ip), nr, alpha_beta);
          }
        }
      }
    }
  }

  // ---- weight rows: C^T = W X^T for B given as rows of k (linear's weight W[n, k]) ----
  // The weight is the broadcast operand, read along its rows as stored (f32: in place; bf16/f16:
  // kWr rows of kc converted into a small buffer), so it is never transposed; X^T is packed into
  // NR-wide panels [p][NR] (X is the small operand). The kWr x NR tile accumulates
  // C^T[j, i..i+NR) and is transposed on the way out.
  static constexpr int64_t kWr = 6;

  // Blocking, measured at 512x4096x4096 on the 2-core AMD EPYC (512 KiB L2 per core, 32 MiB L3):
  // the cost to keep low is traffic, not cache residency. Every k block re-reads and rewrites
  // C, and every A block streams all of W again, so both blocks are large: k in blocks of at
  // most kWkcMax (equal, multiples of 8), A^T in blocks of at most kWxBytes (L3-resident; each
  // micro-panel streams from there with the prefetcher's help). kc = 512 / 192 KiB ran at ~64
  // GFLOP/s, 1024 / 1 MiB at ~77, 2048 / 2 MiB at ~83 (OpenBLAS ~76-81 in the same runs).
  static constexpr int64_t kWkcMax = 2048;
  static constexpr int64_t kWxBytes = 2048 * 1024;

  // Writes alpha * tile^T (+ beta * C): tile[r][i] (r < R, i < cols) goes to C[i][r].
  template <int R>
  static void store_transposed(const float* tile, int64_t tile_ld, int64_t cols, float* c,
                               int64_t ldc, const float* alpha_beta) {
    const float alpha = alpha_beta[0], beta = alpha_beta[1];
    if constexpr (V::kHasStoreTransposed6 && R == kWr) {
      for (int64_t i = 0; i < cols; i += 8)
        V::store_transposed_6x8(tile + i, tile_ld, c + i * ldc, ldc, cols - i < 8 ? cols - i : 8,
                                alpha, beta);
      return;
    }
    for (int64_t i = 0; i < cols; ++i) {
      float* row = c + i * ldc;
      for (int64_t r = 0; r < R; ++r) {
        const float v = alpha * tile[r * tile_ld + i];
        row[r] = beta != 0.0f ? v + beta * row[r] : v;
      }
    }
  }

  template <int R, int NV>
  static void weight_rows_kernel(int64_t kc, const float* w, int64_t ldw, const float* px,
                                 float* c, int64_t ldc, int64_t cols, const float* alpha_beta) {
    Vec acc[R][NV];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; ++p) {
      Vec x[NV];
      for (int v = 0; v < NV; ++v) x[v] = V::load_f32(px + p * NR + v * W);
#pragma GCC unroll 6
      for (int r = 0; r < R; ++r) {
        const Vec a = V::set1(w[r * ldw + p]);
        for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(a, x[v], acc[r][v]);
      }
    }
    alignas(64) float tile[R * NV * W];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) V::store(tile + (r * NV + v) * W, acc[r][v]);
    store_transposed<R>(tile, NV * W, cols, c, ldc, alpha_beta);
  }

  template <int R>
  static void weight_rows_tile(int64_t kc, const float* w, int64_t ldw, const float* px, float* c,
                               int64_t ldc, int64_t cols, const float* alpha_beta) {
    if (cols > W)
      weight_rows_kernel<R, 2>(kc, w, ldw, px, c, ldc, cols, alpha_beta);
    else
      weight_rows_kernel<R, 1>(kc, w, ldw, px, c, ldc, cols, alpha_beta);
  }

  template <class SA, class SB>
  static void weight_rows_block_t(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    static thread_local PackBuffers buffers;
    const int64_t k_blocks = (g.k + kWkcMax - 1) / kWkcMax;
    const int64_t kc_max = ((g.k + k_blocks - 1) / k_blocks + 7) / 8 * 8;
    int64_t mc_max = kWxBytes / (kc_max * 4 * NR) * NR;
    if (mc_max < NR) mc_max = NR;
    const int64_t m = m1 - m0;
    if (m <= mc_max + mc_max / 2) mc_max = (m + NR - 1) / NR * NR;  // one block: no re-reading W
    float* px = PackBuffers::grow(buffers.a, buffers.a_cap, kc_max * mc_max);
    float* pw = nullptr;
    // Converted weight rows: a stride of kc + 16 floats, so that the 6 rows do not sit a
    // multiple of 4 KiB apart (same L1 sets, 4K aliasing between the stores and loads).
    const int64_t ldw_converted = kc_max + 16;
    if constexpr (!__is_same(SB, SrcF32)) pw = PackBuffers::grow(buffers.b, buffers.b_cap, kWr * ldw_converted);
    if (!px || (!__is_same(SB, SrcF32) && !pw)) throw_out_of_memory();
    // X^T is op(A)^T: packing it is pack_b on A with the transposition flipped.
    GemmArgs gx = g;
    gx.b = g.a;
    gx.ldb = g.lda;
    gx.trans_b = !g.trans_a;
    const auto* b = static_cast<const typename SB::T*>(g.b);
    for (int64_t p0 = 0; p0 < g.k; p0 += kc_max) {
      const int64_t kc = min_i64(kc_max, g.k - p0);
      const float alpha_beta[2] = {g.alpha, p0 == 0 ? g.beta : 1.0f};
      for (int64_t i0 = m0; i0 < m1; i0 += mc_max) {
        const int64_t mc = min_i64(mc_max, m1 - i0);
        pack_b<SA>(gx, p0, kc, i0, mc, px);
        for (int64_t j = n0; j < n1; j += kWr) {
          const int64_t rows = min_i64(kWr, n1 - j);
          const float* w;
          int64_t ldw;
          if constexpr (__is_same(SB, SrcF32)) {
            w = b + j * g.ldb + p0;
            ldw = g.ldb;
          } else {
            for (int64_t r = 0; r < rows; ++r)
              convert_t<SB>(b + (j + r) * g.ldb + p0, pw + r * ldw_converted, kc);
            w = pw;
            ldw = ldw_converted;
          }
          for (int64_t ip = 0; ip < mc; ip += NR) {
            const int64_t cols = min_i64(NR, mc - ip);
            float* c = g.c + (i0 + ip) * g.ldc + j;
            const float* panel = px + ip * kc;
            switch (rows) {
              case 6: weight_rows_tile<6>(kc, w, ldw, panel, c, g.ldc, cols, alpha_beta); break;
              case 5: weight_rows_tile<5>(kc, w, ldw, panel, c, g.ldc, cols, alpha_beta); break;
              case 4: weight_rows_tile<4>(kc, w, ldw, panel, c, g.ldc, cols, alpha_beta); break;
              case 3: weight_rows_tile<3>(kc, w, ldw, panel, c, g.ldc, cols, alpha_beta); break;
              case 2: weight_rows_tile<2>(kc, w, ldw, panel, c, g.ldc, cols, alpha_beta); break;
              default: weight_rows_tile<1>(kc, w, ldw, panel, c, g.ldc, cols, alpha_beta); break;
            }
          }
        }
      }
    }
  }

  // ---- small m: dot products of A rows with B^T rows (both contiguous in k) ----
  // Writes alpha * sums[r][c] (+ beta * C) for the R x C tile at (i0, j0). The C sums of a row
  // are reduced together (V::hsum4), not one horizontal sum each.
  template <int R, int C>
  static void store_dot_tile(const GemmArgs& g, Vec (&acc)[R][C], float (&tail)[R][C], int64_t i0,
                             int64_t j0) {
    for (int r = 0; r < R; ++r) {
      float sums[C < 4 ? 4 : C];
      int c = 0;
      for (; c + 4 <= C; c += 4) V::hsum4(acc[r][c], acc[r][c + 1], acc[r][c + 2], acc[r][c + 3], sums + c);
      for (; c < C; ++c) sums[c] = V::hsum(acc[r][c]);
      float* out = g.c + (i0 + r) * g.ldc + j0;
      for (c = 0; c < C; ++c) {
        const float v = g.alpha * (sums[c] + tail[r][c]);
        out[c] = g.beta != 0.0f ? v + g.beta * out[c] : v;
      }
    }
  }

  template <int R, int C, class SA, class SB>
  static void dot_tile(const GemmArgs& g, int64_t i0, int64_t j0) {
    const auto* a = static_cast<const typename SA::T*>(g.a) + i0 * g.lda;
    const auto* b = static_cast<const typename SB::T*>(g.b) + j0 * g.ldb;
    Vec acc[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) acc[r][c] = V::zero();
    const int64_t k_vec = g.k / W * W;
    for (int64_t p = 0; p < k_vec; p += W) {
      Vec bv[C];
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) bv[c] = V::template load<SB>(b + c * g.ldb + p);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const Vec av = V::template load<SA>(a + r * g.lda + p);
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c) acc[r][c] = V::fma(av, bv[c], acc[r][c]);
      }
    }
    float tail[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) {
        float sum = 0.0f;
        for (int64_t p = k_vec; p < g.k; ++p)
          sum += scalar_to_f32<SA>(a[r * g.lda + p]) * scalar_to_f32<SB>(b[c * g.ldb + p]);
        tail[r][c] = sum;
      }
    store_dot_tile<R, C>(g, acc, tail, i0, j0);
  }

  // bf16 weights, split loads: one 2W-element load of bf16 holds W (even, odd) pairs; a 16-bit
  // left shift of each 32-bit lane yields the even elements as f32 and masking off the low half
  // the odd ones: two cheap ops per 2W weights instead of a widening load plus a shift per W.
  // A's rows were permuted the same way (permute_a_rows: per 2W block, W evens then W odds), so
  // the products pair up; the k % 2W tail is summed from the original A.
  template <int R, int C, class SA>
  static void dot_tile_split(const GemmArgs& g, const float* ap, int64_t kp, int64_t i0, int64_t j0) {
    const auto* a = static_cast<const typename SA::T*>(g.a) + i0 * g.lda;
    const auto* b = static_cast<const uint16_t*>(g.b) + j0 * g.ldb;
    Vec acc[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) acc[r][c] = V::zero();
    for (int64_t p = 0; p < kp; p += 2 * W) {
      Vec ae[R], ao[R];
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        ae[r] = V::load_f32(ap + r * kp + p);
        ao[r] = V::load_f32(ap + r * kp + p + W);
      }
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        Vec we, wo;
        V::split_bf16(b + c * g.ldb + p, we, wo);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
          acc[r][c] = V::fma(ae[r], we, acc[r][c]);
          acc[r][c] = V::fma(ao[r], wo, acc[r][c]);
        }
      }
    }
    float tail[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) {
        float sum = 0.0f;
        for (int64_t p = kp; p < g.k; ++p)
          sum += scalar_to_f32<SA>(a[r * g.lda + p]) * scalar_to_f32<SrcBf16>(b[c * g.ldb + p]);
        tail[r][c] = sum;
      }
    store_dot_tile<R, C>(g, acc, tail, i0, j0);
  }

  // Rows [m0, m1) of A (k contiguous), the first kp columns, to f32 in the split order of
  // dot_tile_split: dst[r * kp + q * 2W + i] = A[r][q * 2W + 2i], and + W for the odd ones.
  template <class SA>
  static void permute_a_rows(const GemmArgs& g, int64_t m0, int64_t m1, int64_t kp, float* dst) {
    const auto* a = static_cast<const typename SA::T*>(g.a);
    for (int64_t i = m0; i < m1; ++i) {
      const auto* row = a + i * g.lda;
      float* out = dst + (i - m0) * kp;
      for (int64_t p = 0; p < kp; p += 2 * W) {
        if constexpr (__is_same(SA, SrcF32)) {
          V::deinterleave_f32(row + p, out + p);
        } else if constexpr (__is_same(SA, SrcBf16)) {
          Vec e, o;
          V::split_bf16(row + p, e, o);
          V::store(out + p, e);
          V::store(out + p + W, o);
        } else {
          for (int64_t q = 0; q < W; ++q) {
            out[p + q] = scalar_to_f32<SA>(row[p + 2 * q]);
            out[p + W + q] = scalar_to_f32<SA>(row[p + 2 * q + 1]);
          }
        }
      }
    }
  }

  template <class SA>
  static void small_m_split(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    static thread_local PackBuffers buffers;
    const int64_t kp = g.k / (2 * W) * (2 * W);
    float* ap = PackBuffers::grow(buffers.a, buffers.a_cap, (m1 - m0) * kp);
    if (!ap) throw_out_of_memory();
    permute_a_rows<SA>(g, m0, m1, kp, ap);
    const auto rows = [&](int64_t i) { return ap + (i - m0) * kp; };
    int64_t j = n0;  // m >= 2 here: m == 1 takes gemv_row
    for (; j + 4 <= n1; j += 4) {
      int64_t i = m0;
      for (; i + 2 <= m1; i += 2) dot_tile_split<2, 4, SA>(g, rows(i), kp, i, j);
      if (i < m1) dot_tile_split<1, 4, SA>(g, rows(i), kp, i, j);
    }
    for (; j < n1; ++j) {
      int64_t i = m0;
      for (; i + 2 <= m1; i += 2) dot_tile_split<2, 1, SA>(g, rows(i), kp, i, j);
      if (i < m1) dot_tile_split<1, 1, SA>(g, rows(i), kp, i, j);
    }
  }

  // m == 1, the decode GEMV, bound by reading the weight: one weight row at a time with 4
  // accumulators, so the whole weight is a single front-to-back stream for the hardware
  // prefetcher, read 2W elements per load (a whole 64-byte line of f16 on AVX-512: 22 against
  // 19-20 GB/s with two 32-byte loads, one thread, Zen 4). 8 (and 2 and 4) rows side by side measured slower: SmolLM2 F16 decode on one
  // thread took 1.7-1.9 s per 64 tokens against 1.1 s this way (Zen 4, 2026-11-29).
  template <class SA, class SB>
  static void gemv_row(const GemmArgs& g, int64_t i0, int64_t j) {
    const auto* a = static_cast<const typename SA::T*>(g.a) + i0 * g.lda;
    const auto* b = static_cast<const typename SB::T*>(g.b) + j * g.ldb;
    Vec acc[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    const int64_t k_unrolled = g.k / (4 * W) * (4 * W), k_vec = g.k / W * W;
    int64_t p = 0;
    for (; p < k_unrolled; p += 4 * W) {
#pragma GCC unroll 2
      for (int u = 0; u < 4; u += 2) {
        Vec w0, w1;
        V::template load_pair<SB>(b + p + u * W, w0, w1);
        acc[u] = V::fma(V::template load<SA>(a + p + u * W), w0, acc[u]);
        acc[u + 1] = V::fma(V::template load<SA>(a + p + (u + 1) * W), w1, acc[u + 1]);
      }
    }
    for (; p < k_vec; p += W) acc[0] = V::fma(V::template load<SA>(a + p), V::template load<SB>(b + p), acc[0]);
    float sum = V::hsum(V::add(V::add(acc[0], acc[1]), V::add(acc[2], acc[3])));
    for (; p < g.k; ++p) sum += scalar_to_f32<SA>(a[p]) * scalar_to_f32<SB>(b[p]);
    float* out = g.c + i0 * g.ldc + j;
    *out = g.beta != 0.0f ? g.alpha * sum + g.beta * *out : g.alpha * sum;
  }

  template <class SA, class SB>
  static void small_m_block_t(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    if (m1 - m0 == 1) {
      for (int64_t j = n0; j < n1; ++j) gemv_row<SA, SB>(g, m0, j);
      return;
    }
    if constexpr (__is_same(SB, SrcBf16)) {
      if (g.k >= 2 * W) {
        small_m_split<SA>(g, m0, m1, n0, n1);
        return;
      }
    }
    int64_t j = n0;
    // Columns (weight rows) outer, so the 4 weight rows being used stay in L1/L2 while every
    // row of A passes over them.
    for (; j + 4 <= n1; j += 4) {
      int64_t i = m0;
      for (; i + 2 <= m1; i += 2) dot_tile<2, 4, SA, SB>(g, i, j);
      if (i < m1) dot_tile<1, 4, SA, SB>(g, i, j);
    }
    for (; j < n1; ++j) {
      int64_t i = m0;
      for (; i + 2 <= m1; i += 2) dot_tile<2, 1, SA, SB>(g, i, j);
      if (i < m1) dot_tile<1, 1, SA, SB>(g, i, j);
    }
  }

  template <class S>
  static void convert_t(const void* src_v, float* dst, int64_t n) {
    const auto* src = static_cast<const typename S::T*>(src_v);
    int64_t i = 0;
    for (; i + W <= n; i += W) V::store(dst + i, V::template load<S>(src + i));
    for (; i < n; ++i) dst[i] = scalar_to_f32<S>(src[i]);
  }
  static void to_f32(const void* src, DType dtype, float* dst, int64_t n) {
    switch (dtype) {
      case DType::BF16: convert_t<SrcBf16>(src, dst, n); break;
      case DType::F16: convert_t<SrcF16>(src, dst, n); break;
      default: convert_t<SrcF32>(src, dst, n); break;
    }
  }

  [[noreturn]] static void throw_out_of_memory();

  // dtype dispatch (f32, bf16, f16 for each operand).
  template <template <class, class> class Op>
  static void dispatch(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    auto with_b = [&]<class SA>() {
      switch (g.b_dtype) {
        case DType::BF16: Op<SA, SrcBf16>::run(g, m0, m1, n0, n1); break;
        case DType::F16: Op<SA, SrcF16>::run(g, m0, m1, n0, n1); break;
        default: Op<SA, SrcF32>::run(g, m0, m1, n0, n1); break;
      }
    };
    switch (g.a_dtype) {
      case DType::BF16: with_b.template operator()<SrcBf16>(); break;
      case DType::F16: with_b.template operator()<SrcF16>(); break;
      default: with_b.template operator()<SrcF32>(); break;
    }
  }
  template <class SA, class SB>
  struct PackedOp {
    static void run(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      packed_block_t<SA, SB>(g, m0, m1, n0, n1);
    }
  };
  template <class SA, class SB>
  struct WeightRowsOp {
    static void run(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      weight_rows_block_t<SA, SB>(g, m0, m1, n0, n1);
    }
  };
  // B must be given as rows of k (trans_b).
  static void weight_rows_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    dispatch<WeightRowsOp>(g, m0, m1, n0, n1);
  }
  template <class SA, class SB>
  struct SmallMOp {
    static void run(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      small_m_block_t<SA, SB>(g, m0, m1, n0, n1);
    }
  };
  static void packed_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    dispatch<PackedOp>(g, m0, m1, n0, n1);
  }
  static void small_m_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    dispatch<SmallMOp>(g, m0, m1, n0, n1);
  }
};

}  // namespace

// Defined in gemm.cpp (built without ISA flags): throwing from here keeps fmt out of ISA code.
[[noreturn]] void gemm_throw_out_of_memory();

namespace {
template <class V>
void Kernels<V>::throw_out_of_memory() {
  gemm_throw_out_of_memory();
}
}  // namespace

}  // namespace hfcpp::tensor::cpu
