// Normalisations over the last dimension, computed in f32, output in the input dtype.
#pragma once

#include <utility>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

// torch.nn.functional.layer_norm over the last dim; weight/bias [n] may be undefined Tensors.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

struct RmsNormOptions {
  float eps = 1e-6f;
  // Gemma stores w - 1 and scales by (1 + w); Llama scales by w.
  bool unit_offset = false;
};
// x * rsqrt(mean(x^2) + eps) * weight (or * (1 + weight)); weight [n] may be undefined (= ones).
Tensor rms_norm(const Tensor& x, const Tensor& weight, RmsNormOptions options = {});

// The pre-norm residual step: sum = x + residual; returns {rms_norm(sum), sum}. Fused (one pass
// over memory); add_rms_norm_reference() is the plain-op composition it must match.
std::pair<Tensor, Tensor> add_rms_norm(const Tensor& x, const Tensor& residual,
                                       const Tensor& weight, RmsNormOptions options = {});
std::pair<Tensor, Tensor> add_rms_norm_reference(const Tensor& x, const Tensor& residual,
                                                 const Tensor& weight, RmsNormOptions options = {});

}  // namespace hfcpp::ops
