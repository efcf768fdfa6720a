#include "tensor/cpu/cpu_backend.h"

namespace hfcpp::tensor {

Backend& cpu_backend() {
  static cpu::CpuBackend backend;
  return backend;
}

}  // namespace hfcpp::tensor
