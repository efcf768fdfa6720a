#include "tensor/cpu/kernels.h"

namespace hfcpp::tensor::cpu {

const CpuKernels& kernels_for(core::Isa isa) {
  switch (isa) {
    case core::Isa::Scalar: return reference_kernels();
    case core::Isa::Avx2: return avx2_kernels();
    case core::Isa::Avx512:
    case core::Isa::Avx512Bf16: return avx512_kernels();
  }
  return reference_kernels();
}

const CpuKernels& kernels() { return kernels_for(core::active_isa()); }

}  // namespace hfcpp::tensor::cpu
