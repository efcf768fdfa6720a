// GEMM dispatch: argument checks, the choice between OpenBLAS, hfcpp's kernels and the scalar
// reference, and the split of the work over the thread pool.
#include "tensor/cpu/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/thread_pool.h"

#if defined(HFCPP_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace hfcpp::tensor::cpu {

[[noreturn]] void gemm_throw_out_of_memory() {
  HFCPP_THROW(ErrorCode::OutOfMemory, "[gemm] packing buffer allocation failed");
}

namespace {

using core::Isa;

// Rows of A up to which the dot-product kernel (no packing) beats the weight-rows one when B is
// a weight stored as rows of k: measured with bench/matmul_bench, one thread, CPU time. f32: at
// m = 8 the two are level (~50 GFLOP/s at 8x384x1536). A bf16 weight costs the weight-rows
// kernel a conversion per use of 6 rows, which m rows of A must pay for: at m = 8 the dot
// kernel's split loads win (57 vs 46 at 8x384x1536, 48 vs 24 at 8x4096x4096), at m = 16 the
// weight-rows kernel does (75 vs 58 at 16x384x1536). 12 sits between (not measured).
constexpr int64_t kSmallMMax = 8;
constexpr int64_t kSmallMMaxBf16Weight = 12;
// bf16 x bf16 on AVX-512-BF16: the bf16-pairs kernel from 8 rows of A on (1 thread, CPU time,
// Zen 4: level with the dot-product kernel at 8x384x1536, 149 vs 124 GFLOP/s at 12, below it at 2-4).
constexpr int64_t kBf16PairsMinM = 8;
// Below this many flops one thread does it all: waking the pool costs more than it saves.
constexpr int64_t kMinParallelFlops = 1 << 17;
// OpenBLAS's sgemm wins from m = 16 on f32 x f32 (docs/benchmarks.md, CPU-time runs); below,
// hfcpp's dot-product kernel is far faster (OpenBLAS is 4-5x slower at m = 1). With a bf16/f16
// operand the f32 conversion must pay for itself: from m = 64 on.
constexpr int64_t kBlasMinM = 16;
constexpr int64_t kBlasMinFlops = int64_t{1} << 22;
constexpr int64_t kBlasConvertMinM = 64;
constexpr int64_t kBlasConvertMinFlops = int64_t{1} << 26;
// Columns per OpenBLAS call when B must be converted to f32 first (a bf16/f16 weight): at most
// a 512 x k f32 panel per task (8 MiB at k = 4096), never the whole matrix. Wide panels matter:
// sgemm packs all of A again for every call.
constexpr int64_t kConvertPanelMax = 512;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

bool is_gemm_dtype(DType d) { return d == DType::F32 || d == DType::BF16 || d == DType::F16; }

void check_args(const GemmArgs& g) {
  HFCPP_CHECK(g.m >= 0 && g.n >= 0 && g.k >= 0, ErrorCode::InvalidArgument,
              "[gemm] negative size: got m={}, n={}, k={}", g.m, g.n, g.k);
  HFCPP_CHECK(is_gemm_dtype(g.a_dtype) && is_gemm_dtype(g.b_dtype), ErrorCode::Unsupported,
              "[gemm] unsupported dtypes: got A {} and B {}, expected F32, BF16 or F16",
              dtype_name(g.a_dtype), dtype_name(g.b_dtype));
  const int64_t a_cols = g.trans_a ? g.m : g.k, a_rows = g.trans_a ? g.k : g.m;
  const int64_t b_cols = g.trans_b ? g.k : g.n, b_rows = g.trans_b ? g.n : g.k;
  HFCPP_CHECK(a_rows <= 1 || g.lda >= a_cols, ErrorCode::InvalidArgument,
              "[gemm] lda too small: got {}, expected >= {}", g.lda, a_cols);
  HFCPP_CHECK(b_rows <= 1 || g.ldb >= b_cols, ErrorCode::InvalidArgument,
              "[gemm] ldb too small: got {}, expected >= {}", g.ldb, b_cols);
  HFCPP_CHECK(g.m <= 1 || g.ldc >= g.n, ErrorCode::InvalidArgument,
              "[gemm] ldc too small: got {}, expected >= {}", g.ldc, g.n);
  if (g.m > 0 && g.n > 0) {
    HFCPP_CHECK(g.c != nullptr, ErrorCode::InvalidArgument, "[gemm] C is null for a {}x{} result",
                g.m, g.n);
    HFCPP_CHECK(g.k == 0 || (g.a != nullptr && g.b != nullptr), ErrorCode::InvalidArgument,
                "[gemm] A or B is null with k={}", g.k);
  }
}

const GemmKernels& kernels_for(GemmImpl impl) {
  switch (impl) {
    case GemmImpl::Avx2: return gemm_kernels_avx2();
    case GemmImpl::Avx512: return gemm_kernels_avx512();
    case GemmImpl::Avx512Bf16: return gemm_kernels_avx512bf16();
    default: return gemm_kernels_reference();
  }
}

GemmImpl impl_for_isa(Isa isa) {
  switch (isa) {
    case Isa::Avx2: return GemmImpl::Avx2;
    case Isa::Avx512: return GemmImpl::Avx512;
    case Isa::Avx512Bf16: return GemmImpl::Avx512Bf16;
    default: return GemmImpl::Reference;
  }
}

// HFCPP_GEMM_SMALL_M overrides kSmallMMax and kSmallMMaxBf16Weight, for re-measuring the
// crossover on other CPUs.
int64_t small_m_max(DType b_dtype) {
  static const int64_t env_value = [] {
    const char* env = std::getenv("HFCPP_GEMM_SMALL_M");
    return env ? std::atoll(env) : int64_t{-1};
  }();
  if (env_value >= 0) return env_value;
  return b_dtype == DType::BF16 ? kSmallMMaxBf16Weight : kSmallMMax;
}

bool small_m_eligible(const GemmArgs& g) {
  return !g.trans_a && g.trans_b && g.m <= small_m_max(g.b_dtype);
}

// HFCPP_GEMM_WEIGHT_ROWS=0 turns the weight-rows kernel off (the packed one runs instead), for
// measurements.
bool weight_rows_enabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("HFCPP_GEMM_WEIGHT_ROWS");
    return !env || std::string_view(env) != "0";
  }();
  return enabled;
}

bool bf16_pairs_eligible(const GemmArgs& g, const GemmKernels& kernels) {
  return kernels.bf16_pairs && g.a_dtype == DType::BF16 && g.b_dtype == DType::BF16 && g.trans_b && !g.trans_a;
}

void run_blocks(const GemmArgs& g, const GemmKernels& kernels) {
  const int64_t threads = core::num_threads();
  const int64_t flops = 2 * g.m * g.n * g.k;
  const bool pairs = g.m >= kBf16PairsMinM && bf16_pairs_eligible(g, kernels);
  const bool weight_rows = !pairs && g.trans_b && kernels.weight_rows && weight_rows_enabled();
  const bool small_m = !pairs && small_m_eligible(g);
  const GemmBlockFn block = pairs ? kernels.bf16_pairs : weight_rows ? kernels.weight_rows : kernels.packed;
  if (threads == 1 || flops < kMinParallelFlops) {
    (small_m ? kernels.small_m : block)(g, 0, g.m, 0, g.n);
    return;
  }
  if (small_m) {
    // Columns are independent dot products: split them, a few blocks per thread.
    const int64_t nb = std::max<int64_t>(16, round_up(ceil_div(g.n, threads * 4), 8));
    core::parallel_for(0, ceil_div(g.n, nb), 1, [&](int64_t b0, int64_t b1) {
      kernels.small_m(g, 0, g.m, b0 * nb, std::min(g.n, b1 * nb));
    });
    return;
  }
  // Packed: split N into column blocks (each thread packs its own B panels, once per block);
  // split M as well when there are too few column blocks to keep every thread busy.
  // Column blocks are whole tiles: nr columns (packed, at most ~512 so that the packed B panel
  // stays in L2), 6 weight rows x 8 (weight rows: no cap, as every task packs A^T again), or
  // 32-column panels (bf16 pairs: each packed over the whole of k once, so no cap either).
  const int64_t nr = pairs ? 32 : weight_rows ? 48 : kernels.nr;
  const int64_t nb_max = pairs || weight_rows ? round_up(g.n, nr) : round_up(512, nr);
  const int64_t nb = std::clamp(round_up(ceil_div(g.n, threads * 2), nr), nr, nb_max);
  const int64_t n_tasks = ceil_div(g.n, nb);
  int64_t m_tasks = 1;
  if (n_tasks < threads * 2)
    m_tasks = std::min(ceil_div(g.m, 24), ceil_div(threads * 2, n_tasks));
  // Row blocks are whole tiles too: 6 rows (packed) or 16 (the weight-rows panels of A^T).
  const int64_t mb = round_up(ceil_div(g.m, m_tasks), weight_rows ? 16 : 6);
  m_tasks = ceil_div(g.m, mb);
  core::parallel_for(0, n_tasks * m_tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t mi = t % m_tasks, ni = t / m_tasks;
      block(g, mi * mb, std::min(g.m, (mi + 1) * mb), ni * nb, std::min(g.n, (ni + 1) * nb));
    }
  });
}

#if defined(HFCPP_HAVE_OPENBLAS)
// OpenBLAS threading. "pool" (the default): OpenBLAS runs single-threaded and hfcpp's pool calls
// it once per column slice. "openblas": OpenBLAS's own threads. On the 2-core development
// machine the two measured the same within noise at 128x384x1536 and 512x2048x2048, so the
// choice rests on behaviour: OpenBLAS's threads keep spinning for a while after each call,
// stealing the cores from the next hfcpp op on the pool (and nesting inside a pool task would
// oversubscribe); with "pool" only one set of threads ever exists, and core::num_threads()
// holds for BLAS calls too. HFCPP_OPENBLAS_THREADING=openblas switches, for measurements.
bool use_openblas_threads() {
  static const bool own = [] {
    const char* env = std::getenv("HFCPP_OPENBLAS_THREADING");
    return env && std::string_view(env) == "openblas";
  }();
  return own;
}

void set_openblas_threads(int n) {
  static std::atomic<int> current{-1};
  if (current.exchange(n) != n) openblas_set_num_threads(n);
}

void sgemm_openblas(const GemmArgs& g, int64_t n0, int64_t n1) {
  const float* b = static_cast<const float*>(g.b) + (g.trans_b ? n0 * g.ldb : n0);
  cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans,
              g.trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(g.m),
              static_cast<blasint>(n1 - n0), static_cast<blasint>(g.k), g.alpha,
              static_cast<const float*>(g.a), static_cast<blasint>(std::max<int64_t>(g.lda, 1)), b,
              static_cast<blasint>(std::max<int64_t>(g.ldb, 1)), g.beta, g.c + n0,
              static_cast<blasint>(std::max<int64_t>(g.ldc, 1)));
}

// bf16/f16 operands: A (activations) converted once, B in panels of at most kConvertPanelMax
// columns, each panel then multiplied by single-threaded sgemm on the pool.
void run_openblas_converted(const GemmArgs& g, const GemmKernels& kernels) {
  set_openblas_threads(1);
  GemmArgs f = g;
  std::vector<float> a_f32;
  if (g.a_dtype != DType::F32) {
    const int64_t rows = g.trans_a ? g.k : g.m, cols = g.trans_a ? g.m : g.k;
    a_f32.resize(static_cast<size_t>(rows * cols));
    const size_t esize = dtype_size(g.a_dtype);
    core::parallel_for(0, rows, 64, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        kernels.to_f32(static_cast<const std::byte*>(g.a) + r * g.lda * esize, g.a_dtype,
                       a_f32.data() + r * cols, cols);
    });
    f.a = a_f32.data();
    f.a_dtype = DType::F32;
    f.lda = cols;
  }
  if (g.b_dtype == DType::F32) {
    sgemm_openblas(f, 0, g.n);
    return;
  }
  const size_t b_esize = dtype_size(g.b_dtype);
  // Equal panels, a whole number per thread.
  const int64_t threads = core::num_threads();
  const int64_t rounds = ceil_div(g.n, threads * kConvertPanelMax);
  const int64_t panel_n = round_up(ceil_div(g.n, threads * rounds), 16);
  core::parallel_for(0, ceil_div(g.n, panel_n), 1, [&](int64_t p0, int64_t p1) {
    static thread_local std::vector<float> panel;
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n0 = p * panel_n, nc = std::min(panel_n, g.n - n0);
      panel.resize(static_cast<size_t>(nc * g.k));
      GemmArgs t = f;
      const auto* b = static_cast<const std::byte*>(g.b);
      if (g.trans_b) {  // rows n0.. of W[n, k]
        for (int64_t j = 0; j < nc; ++j)
          kernels.to_f32(b + (n0 + j) * g.ldb * b_esize, g.b_dtype, panel.data() + j * g.k, g.k);
        t.ldb = g.k;
      } else {  // columns n0.. of B[k, n]
        for (int64_t r = 0; r < g.k; ++r)
          kernels.to_f32(b + (r * g.ldb + n0) * b_esize, g.b_dtype, panel.data() + r * nc, nc);
        t.ldb = nc;
      }
      t.b = panel.data();
      t.b_dtype = DType::F32;
      t.n = nc;
      t.c = g.c + n0;
      sgemm_openblas(t, 0, nc);
    }
  });
}

void run_openblas(const GemmArgs& g, const GemmKernels& kernels) {
  if (g.a_dtype != DType::F32 || g.b_dtype != DType::F32) {
    run_openblas_converted(g, kernels);
    return;
  }
  const int threads = core::num_threads();
  if (use_openblas_threads()) {
    set_openblas_threads(threads);
    sgemm_openblas(g, 0, g.n);
    return;
  }
  set_openblas_threads(1);
  const int64_t slices = (2 * g.m * g.n * g.k < kMinParallelFlops || g.n < 32) ? 1 : threads;
  const int64_t nb = round_up(ceil_div(g.n, slices), 16);
  core::parallel_for(0, ceil_div(g.n, nb), 1, [&](int64_t s0, int64_t s1) {
    sgemm_openblas(g, s0 * nb, std::min(g.n, s1 * nb));
  });
}
#endif

void scale_c(const GemmArgs& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    float* row = g.c + i * g.ldc;
    for (int64_t j = 0; j < g.n; ++j) row[j] = g.beta == 0.0f ? 0.0f : g.beta * row[j];
  }
}

}  // namespace

const char* gemm_impl_name(GemmImpl impl) {
  switch (impl) {
    case GemmImpl::Auto: return "auto";
    case GemmImpl::Reference: return "reference";
    case GemmImpl::Avx2: return "avx2";
    case GemmImpl::Avx512: return "avx512";
    case GemmImpl::Avx512Bf16: return "avx512bf16";
    case GemmImpl::OpenBlas: return "openblas";
  }
  return "?";
}

bool gemm_impl_available(GemmImpl impl) {
  const Isa best = core::best_supported_isa();
  switch (impl) {
    case GemmImpl::Auto:
    case GemmImpl::Reference: return true;
    case GemmImpl::Avx2: return best >= Isa::Avx2;
    case GemmImpl::Avx512: return best >= Isa::Avx512;
    case GemmImpl::Avx512Bf16: return best >= Isa::Avx512Bf16;
    case GemmImpl::OpenBlas:
#if defined(HFCPP_HAVE_OPENBLAS)
      return true;
#else
      return false;
#endif
  }
  return false;
}

GemmImpl gemm_auto_choice(const GemmArgs& g) {
  const Isa isa = core::active_isa();
#if defined(HFCPP_HAVE_OPENBLAS)
  // A weight given as rows of k (every linear layer): the AVX2 weight-rows kernel measured level
  // with or above OpenBLAS's sgemm at the shapes of bench/matmul_bench.py (m = 32, 128, 512; f32
  // and bf16 weights; 2026-11-29, loaded machine, best of 4 CPU-time runs), and far above it at
  // small m. The AVX-512 one (16x16 transposed packing, 6 x 32 tile) likewise: 1 thread, CPU
  // time, best of 3, Zen 4 (2026-11-29), GFLOP/s own vs OpenBLAS: f32 32x384x1536 108 vs 79,
  // 128x384x1536 111 vs 99, 512x4096x4096 109 vs 100, 128x64x128 96 vs 93; bf16 weights 99-108
  // vs 94-99 (OpenBLAS after converting). Without trans_b the packed kernel (12 x 32 tile) stays
  // below OpenBLAS at 512x4096x4096 (94 vs 101), so OpenBLAS keeps that case.
  // bf16 x bf16 on AVX-512-BF16: the native bf16 kernel, where OpenBLAS would convert to f32.
  const bool own_wins = (isa >= Isa::Avx2 && g.trans_b && weight_rows_enabled()) ||
                        (isa >= Isa::Avx512Bf16 && bf16_pairs_eligible(g, gemm_kernels_avx512bf16()));
  if (isa != Isa::Scalar && !own_wins) {
    const int64_t flops = 2 * g.m * g.n * g.k;
    const bool f32 = g.a_dtype == DType::F32 && g.b_dtype == DType::F32;
    if (f32 ? (g.m >= kBlasMinM && flops >= kBlasMinFlops)
            : (g.m >= kBlasConvertMinM && flops >= kBlasConvertMinFlops))
      return GemmImpl::OpenBlas;
  }
#endif
  return impl_for_isa(isa);
}

void gemm(const GemmArgs& g, GemmImpl impl) {
  check_args(g);
  if (impl == GemmImpl::Auto) impl = gemm_auto_choice(g);
  HFCPP_CHECK(gemm_impl_available(impl), ErrorCode::Unsupported,
              "[gemm] implementation '{}' is not available on this CPU/build (best ISA: {})",
              gemm_impl_name(impl), core::isa_name(core::best_supported_isa()));
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) {
    scale_c(g);
    return;
  }
  if (impl == GemmImpl::OpenBlas) {
#if defined(HFCPP_HAVE_OPENBLAS)
    run_openblas(g, kernels_for(impl_for_isa(core::active_isa())));
#endif
    return;
  }
  run_blocks(g, kernels_for(impl));
}

void gemm_group(std::span<const GemmArgs> group) {
  const GemmArgs* first = group.empty() ? nullptr : &group[0];
  const Isa isa = core::active_isa();
  bool fusable = group.size() > 1 && core::num_threads() > 1;
  for (const GemmArgs& g : group) {
    check_args(g);
    fusable = fusable && g.m == first->m && g.k == first->k && g.a == first->a && g.lda == first->lda &&
              g.a_dtype == first->a_dtype && !g.trans_a && g.trans_b && g.n > 0 && g.k > 0 && g.m > 0 &&
              small_m_eligible(g) && gemm_auto_choice(g) == impl_for_isa(isa);
  }
  if (!fusable) {
    for (const GemmArgs& g : group) gemm(g);
    return;
  }
  // The column blocks of run_blocks' small-m split, over the concatenated columns.
  struct Block { size_t index; int64_t n0, n1; };
  int64_t total = 0;
  for (const GemmArgs& g : group) total += g.n;
  const int64_t nb = std::max<int64_t>(16, round_up(ceil_div(total, core::num_threads() * 4), 8));
  std::vector<Block> blocks;
  for (size_t i = 0; i < group.size(); ++i)
    for (int64_t n0 = 0; n0 < group[i].n; n0 += nb) blocks.push_back({i, n0, std::min(group[i].n, n0 + nb)});
  const GemmKernels& kernels = kernels_for(impl_for_isa(isa));
  core::parallel_for(0, static_cast<int64_t>(blocks.size()), 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const Block& blk = blocks[static_cast<size_t>(b)];
      kernels.small_m(group[blk.index], 0, first->m, blk.n0, blk.n1);
    }
  });
}

void gemm_on_this_thread(const GemmArgs& g, bool weight_rows_ok) {
  check_args(g);
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) {
    scale_c(g);
    return;
  }
  const GemmKernels& kernels = kernels_for(impl_for_isa(core::active_isa()));
  const bool weight_rows = weight_rows_ok && g.trans_b && kernels.weight_rows && weight_rows_enabled();
  (weight_rows ? kernels.weight_rows : kernels.packed)(g, 0, g.m, 0, g.n);
}

}  // namespace hfcpp::tensor::cpu
