// Matrix products with NumPy/PyTorch semantics, f32 accumulation for every input dtype.
#pragma once

#include <span>
#include <vector>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

// torch.matmul: 1-d x 1-d is a dot product (0-d result); a 1-d operand gains a dimension of 1
// (prepended for a, appended for b) that is removed from the result; >= 2-d operands broadcast
// their batch dimensions. Inputs F32, BF16 or F16, mixed allowed; products accumulate in f32.
// Result dtype: the inputs' dtype when equal, else F32. Views whose last or second-to-last
// stride is 1 (e.g. x.transpose(-1, -2)) are read in place, without a copy.
// Errors: InvalidArgument for 0-d operands or mismatched inner dimensions (message names both
// shapes); Unsupported for other dtypes.
Tensor matmul(const Tensor& a, const Tensor& b);

// torch.nn.functional.linear: x[..., in] @ weight[out, in]^T (+ bias[out]) -> [..., out].
// The weight is used where it lies (e.g. bf16 borrowed from a mapped safetensors file): panels
// are converted while packing, never the whole matrix. Result dtype as matmul(x, weight); the
// bias (any float dtype) is added in f32 before the result is rounded.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias = nullptr);

// linear(x, weights[i], biases[i]) for every i (biases empty, or one per weight, null for none),
// with the same results. In decode (few rows of x) the products are one pool dispatch over all
// their output features instead of one each: q/k/v and gate/up of a decoder layer.
std::vector<Tensor> linear_group(const Tensor& x, std::span<const Tensor* const> weights,
                                 std::span<const Tensor* const> biases = {});

}  // namespace hfcpp::ops
