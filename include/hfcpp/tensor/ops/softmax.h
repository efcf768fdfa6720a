// Numerically stable softmax / log_softmax over the last dimension (max-subtracted).
#pragma once

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

Tensor softmax(const Tensor& x);
Tensor log_softmax(const Tensor& x);

}  // namespace hfcpp::ops
