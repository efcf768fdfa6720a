// Elementwise ops with NumPy broadcasting. Inputs may be F32, F16 or BF16 (both operands the same
// dtype); compute is f32 and the result has the input dtype. Results are new contiguous tensors.
#pragma once

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::DType;
using tensor::Shape;
using tensor::Tensor;

// The NumPy broadcast of two shapes; InvalidArgument naming both shapes if incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);

// Scalar ops: x + s, x * s.
Tensor add_scalar(const Tensor& x, float s);
Tensor mul_scalar(const Tensor& x, float s);

// cond ? a : b with broadcasting of all three; cond is Bool (or any integer dtype, nonzero = true).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// x with value where mask is true (mask broadcasts to x's shape).
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);

}  // namespace hfcpp::ops
