// The CPU matrix-multiply kernel entry: C[m,n] = alpha * op(A)[m,k] @ op(B)[k,n] + beta * C.
// A and B may be f32, bf16 or f16 (mixed allowed); products are accumulated in f32 and C is f32.
// op(X) is X or X^T: element (i,p) of op(A) lives at a[i*lda + p], or a[p*lda + i] when trans_a.
// So linear()'s weight W[out,in] is passed as B with trans_b = true and ldb = in.
//
// gemm() picks the implementation: on AVX2 with B given as rows of k (linear's weight), hfcpp's
// weight-rows kernel at every size (it measured at or above OpenBLAS); otherwise OpenBLAS sgemm
// for large problems (when built with HFCPP_HAVE_OPENBLAS; bf16/f16 B is converted to f32 one
// panel at a time, since Debian's OpenBLAS 0.3.21 has no sbgemm), else hfcpp's own kernels for
// core::active_isa() (AVX2/AVX-512 micro-kernels that convert bf16/f16 while packing, and a
// dot-product kernel for small m, the decode case), or the scalar reference. Work is split over
// core::parallel_for.
#pragma once

#include <cstdint>
#include <span>

#include "hfcpp/tensor/dtype.h"

namespace hfcpp::tensor::cpu {

struct GemmArgs {
  int64_t m = 0, n = 0, k = 0;
  const void* a = nullptr;
  DType a_dtype = DType::F32;
  int64_t lda = 0;
  bool trans_a = false;
  const void* b = nullptr;
  DType b_dtype = DType::F32;
  int64_t ldb = 0;
  bool trans_b = false;
  float* c = nullptr;
  int64_t ldc = 0;
  float alpha = 1, beta = 0;  // beta == 0: C is not read (may hold NaN)
};

// Which implementation runs. Auto is what ops use; the others exist for tests and benchmarks
// and throw Unsupported when the CPU or the build lacks them.
enum class GemmImpl { Auto, Reference, Avx2, Avx512, Avx512Bf16, OpenBlas };

const char* gemm_impl_name(GemmImpl impl);
// True when `impl` can run here (CPU features, build options); Auto and Reference always can.
bool gemm_impl_available(GemmImpl impl);

// Validates the arguments (InvalidArgument naming the bad field) and runs.
void gemm(const GemmArgs& args, GemmImpl impl = GemmImpl::Auto);

// Several products that read the same A (same m, k, lda, dtype, not transposed), each with its
// own B (rows of k) and C: gemm() on each, except that when they all take the dot-product
// kernel (decode) their column blocks are one pool dispatch. Same results as separate calls.
void gemm_group(std::span<const GemmArgs> group);

// The active ISA's own kernels over the whole problem on the calling thread: for callers that are
// already one task of a parallel_for (attention runs one small GEMM per head and query tile).
// weight_rows_ok: B (trans_b) is a weight panel, so the weight-rows kernel may take it (attention's
// per-head products stay on the packed kernel, as measured).
void gemm_on_this_thread(const GemmArgs& args, bool weight_rows_ok = false);

// The implementation Auto would choose for these arguments (for benchmarks and logs).
GemmImpl gemm_auto_choice(const GemmArgs& args);

// ---- Internal: the per-ISA kernel tables filled by the isa/ files and reference/. ----
// Each function computes the block C[m0:m1, n0:n1] completely (all of k), on the calling thread.
// The caller (gemm.cpp) splits the problem and runs blocks on the thread pool, so the ISA files
// contain no threading and no standard-library templates (their code is built with other flags).
using GemmBlockFn = void (*)(const GemmArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

struct GemmKernels {
  GemmBlockFn packed = nullptr;  // general: packs A and B panels (converting to f32)
  GemmBlockFn small_m = nullptr; // m small, B given as rows of k (trans_b): dot products, no packing
  int64_t nr = 16;               // column granularity of `packed` (blocks should be multiples)
  // Converts n contiguous elements of dtype (F32, BF16, F16) to f32.
  void (*to_f32)(const void* src, DType dtype, float* dst, int64_t n) = nullptr;
  // B given as rows of k (trans_b, a linear weight W[n,k]): W is broadcast along its rows as
  // stored (never transposed) against packed panels of A^T. Null: use `packed`.
  GemmBlockFn weight_rows = nullptr;
  // A and B both bf16, A rows of k and B rows of k (x @ W^T in a bf16 model): native bf16
  // dot products (AVX-512-BF16). Columns in tiles of 32, rows of 6. Null: not available.
  GemmBlockFn bf16_pairs = nullptr;
};

const GemmKernels& gemm_kernels_reference();
const GemmKernels& gemm_kernels_avx2();
const GemmKernels& gemm_kernels_avx512();
const GemmKernels& gemm_kernels_avx512bf16();

// Scalar oracle for tests: double accumulation, single-threaded.
void gemm_reference(const GemmArgs& args);

}  // namespace hfcpp::tensor::cpu
