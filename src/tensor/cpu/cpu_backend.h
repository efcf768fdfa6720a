// The CPU backend: walks tensors of any strides and F32/F16/BF16 dtypes as f32 rows, runs the
// active ISA's row kernels (kernels.h) and splits rows over core::parallel_for.
#pragma once

#include "tensor/backend.h"

namespace hfcpp::tensor::cpu {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) override;
  Tensor unary(UnaryOp op, const Tensor& x, float param) override;
  Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) override;
  Tensor reduce(ReduceOp op, const Tensor& x, int64_t correction) override;
  Tensor softmax(const Tensor& x, bool log) override;
  Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) override;
  Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps, bool unit_offset) override;
  std::pair<Tensor, Tensor> add_rms_norm(const Tensor& x, const Tensor& residual,
                                         const Tensor& weight, float eps, bool unit_offset) override;
  Tensor swiglu(const Tensor& gate, const Tensor& up) override;
  Tensor rope(const Tensor& x, const Tensor& cos, const Tensor& sin, ops::RopeLayout layout) override;
  Tensor embedding(const Tensor& table, const Tensor& ids) override;
  Tensor concat(const std::vector<Tensor>& tensors, int64_t dim, const Shape& out_shape) override;
  Tensor sdpa(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaParams& params) override;
};

// The scalar composition behind ops::scaled_dot_product_attention_reference (f32 in and out).
Tensor sdpa_reference_f32(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaParams& params);

}  // namespace hfcpp::tensor::cpu
