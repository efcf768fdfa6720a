#include "hfcpp/tensor/ops/norm.h"

#include "hfcpp/tensor/ops/elementwise.h"
#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;

namespace {
void check_norm_input(const Tensor& x, const char* op) {
  check_float(x, op, "x");
  HFCPP_CHECK(x.dim() >= 1 && x.size(-1) > 0, ErrorCode::InvalidArgument,
              "[{}] x has shape {}: expected at least 1 dim with a non-empty last dim", op,
              tensor::shape_to_string(x.shape()));
}
void check_eps(float eps, const char* op) {
  HFCPP_CHECK(eps >= 0.0f, ErrorCode::InvalidArgument, "[{}] eps is {}: expected >= 0", op, eps);
}
}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  check_norm_input(x, "layer_norm");
  check_eps(eps, "layer_norm");
  check_param_vector(weight, x.size(-1), "layer_norm", "weight");
  check_param_vector(bias, x.size(-1), "layer_norm", "bias");
  return backend_of(x).layer_norm(x, weight, bias, eps);
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, RmsNormOptions options) {
  check_norm_input(x, "rms_norm");
  check_eps(options.eps, "rms_norm");
  check_param_vector(weight, x.size(-1), "rms_norm", "weight");
  return backend_of(x).rms_norm(x, weight, options.eps, options.unit_offset);
}

std::pair<Tensor, Tensor> add_rms_norm(const Tensor& x, const Tensor& residual, const Tensor& weight,
                                       RmsNormOptions options) {
  check_norm_input(x, "add_rms_norm");
  check_float(residual, "add_rms_norm", "residual");
  check_same_dtype(x, residual, "add_rms_norm", "x", "residual");
  HFCPP_CHECK(x.shape() == residual.shape(), ErrorCode::InvalidArgument,
              "[add_rms_norm] residual has shape {}: expected x's shape {}",
              tensor::shape_to_string(residual.shape()), tensor::shape_to_string(x.shape()));
  check_eps(options.eps, "add_rms_norm");
  check_param_vector(weight, x.size(-1), "add_rms_norm", "weight");
  return backend_of(x).add_rms_norm(x, residual, weight, options.eps, options.unit_offset);
}

std::pair<Tensor, Tensor> add_rms_norm_reference(const Tensor& x, const Tensor& residual,
                                                 const Tensor& weight, RmsNormOptions options) {
  Tensor sum = add(x, residual);
  return {rms_norm(sum, weight, options), sum};
}

}  // namespace hfcpp::ops
