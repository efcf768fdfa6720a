// Reductions over one dimension (negative dims count from the end). keepdim keeps the reduced
// dimension with size 1. F32/F16/BF16 in, f32 accumulation, output in the input dtype;
// argmax returns I64. Reducing an empty dimension is InvalidArgument (except sum: 0).
#pragma once

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x, int64_t dim, bool keepdim = false);
// Index of the first maximum (NaN counts as the maximum, as in torch). I64 output.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);
// Variance with Bessel's correction by default (torch.var(correction=1)).
Tensor var(const Tensor& x, int64_t dim, bool keepdim = false, int64_t correction = 1);

}  // namespace hfcpp::ops
