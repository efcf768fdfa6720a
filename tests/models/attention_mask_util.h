// Attention-mask helpers shared by the decoder tests.
#pragma once

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::testing {

// [B, L] mask -> [B, L + 1] with a 1 appended to every row (one decode step).
inline tensor::Tensor append_ones(const tensor::Tensor& mask) {
  const int64_t B = mask.size(0), L = mask.size(1);
  tensor::Tensor out = tensor::Tensor::full({B, L + 1}, 1.0, tensor::DType::I64);
  tensor::Tensor head = out.narrow(1, 0, L);
  head.copy_from(mask.to(tensor::DType::I64));
  return out;
}

}  // namespace hfcpp::testing
