// Joining tensors: same dtype, same shape except along dim (concat) / identical shapes (stack).
#pragma once

#include <vector>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);

}  // namespace hfcpp::ops
