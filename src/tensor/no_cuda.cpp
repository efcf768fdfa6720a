// Built when HFCPP_CUDA is off: the CUDA backend exists as a symbol and refuses every use, so
// op code never needs #ifdef HFCPP_CUDA (MLX's no_metal.cpp pattern).
#include "tensor/backend.h"

namespace hfcpp::tensor {

Backend& cuda_backend() {
  HFCPP_THROW(ErrorCode::Unsupported,
              "[backend] CUDA tensors are not available: this hfcpp was built without HFCPP_CUDA");
}

}  // namespace hfcpp::tensor
