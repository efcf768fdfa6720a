// Activation functions (elementwise), computed in f32, output in the input dtype.
#pragma once

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

enum class GeluApprox { None, Tanh };  // torch's approximate='none' (erf) / 'tanh'

Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::None);
// HF "gelu_new" / "gelu_pytorch_tanh": the tanh approximation.
inline Tensor gelu_new(const Tensor& x) { return gelu(x, GeluApprox::Tanh); }
// x * sigmoid(1.702 x) (CLIP's quick_gelu).
Tensor quick_gelu(const Tensor& x);
Tensor silu(const Tensor& x);
// silu(gate) * up, fused; gate and up have the same shape and dtype.
Tensor swiglu(const Tensor& gate, const Tensor& up);
// mul(silu(gate), up): the composition swiglu must match.
Tensor swiglu_reference(const Tensor& gate, const Tensor& up);

}  // namespace hfcpp::ops
