#include "hfcpp/tensor/ops/activation.h"

#include "hfcpp/tensor/ops/elementwise.h"
#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;
using tensor::UnaryOp;

Tensor gelu(const Tensor& x, GeluApprox approx) {
  const UnaryOp op = approx == GeluApprox::Tanh ? UnaryOp::GeluTanh : UnaryOp::Gelu;
  check_float(x, tensor::unary_op_name(op), "x");
  return backend_of(x).unary(op, x, 0.0f);
}

Tensor quick_gelu(const Tensor& x) {
  check_float(x, "quick_gelu", "x");
  return backend_of(x).unary(UnaryOp::QuickGelu, x, 0.0f);
}

Tensor silu(const Tensor& x) {
  check_float(x, "silu", "x");
  return backend_of(x).unary(UnaryOp::Silu, x, 0.0f);
}

Tensor swiglu(const Tensor& gate, const Tensor& up) {
  check_float(gate, "swiglu", "gate");
  check_float(up, "swiglu", "up");
  check_same_dtype(gate, up, "swiglu", "gate", "up");
  HFCPP_CHECK(gate.shape() == up.shape(), ErrorCode::InvalidArgument,
              "[swiglu] up has shape {}: expected gate's shape {}", tensor::shape_to_string(up.shape()),
              tensor::shape_to_string(gate.shape()));
  return backend_of(gate).swiglu(gate, up);
}

Tensor swiglu_reference(const Tensor& gate, const Tensor& up) { return mul(silu(gate), up); }

}  // namespace hfcpp::ops
