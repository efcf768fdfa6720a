// AVX-512 GEMM kernels: the AVX2 structure with 16-float vectors (a 6 x 32 register tile).
// Chosen only when core::active_isa() >= Avx512 (not executable on AVX2-only machines).
#include "tensor/cpu/isa/avx512/gemm_avx512_vec.h"

namespace hfcpp::tensor::cpu {
namespace {
using K = Kernels<Avx512Vec>;
}  // namespace

const GemmKernels& gemm_kernels_avx512() {
  static const GemmKernels kernels{&K::packed_block, &K::small_m_block, K::NR, &K::to_f32,
                                   &K::weight_rows_block};
  return kernels;
}

}  // namespace hfcpp::tensor::cpu
