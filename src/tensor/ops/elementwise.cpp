#include "hfcpp/tensor/ops/elementwise.h"

#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;
using tensor::BinaryOp;
using tensor::UnaryOp;

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    HFCPP_CHECK(da == db || da == 1 || db == 1, ErrorCode::InvalidArgument,
                "[{}] shapes {} and {} do not broadcast: dimension {} is {} vs {}", op,
                tensor::shape_to_string(a), tensor::shape_to_string(b), i, da, db);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = tensor::binary_op_name(op);
  check_float(a, name, "a");
  check_float(b, name, "b");
  check_same_dtype(a, b, name, "a", "b");
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  return backend_of(a).binary(op, a.expand(shape), b.expand(shape));
}

Tensor unary(UnaryOp op, const Tensor& x, float param = 0.0f) {
  check_float(x, tensor::unary_op_name(op), "x");
  return backend_of(x).unary(op, x, param);
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Minimum, a, b); }

Tensor neg(const Tensor& x) { return unary(UnaryOp::Neg, x); }
Tensor exp(const Tensor& x) { return unary(UnaryOp::Exp, x); }
Tensor log(const Tensor& x) { return unary(UnaryOp::Log, x); }
Tensor sqrt(const Tensor& x) { return unary(UnaryOp::Sqrt, x); }
Tensor rsqrt(const Tensor& x) { return unary(UnaryOp::Rsqrt, x); }
Tensor tanh(const Tensor& x) { return unary(UnaryOp::Tanh, x); }
Tensor abs(const Tensor& x) { return unary(UnaryOp::Abs, x); }
Tensor sigmoid(const Tensor& x) { return unary(UnaryOp::Sigmoid, x); }
Tensor relu(const Tensor& x) { return unary(UnaryOp::Relu, x); }
Tensor pow(const Tensor& x, float exponent) { return unary(UnaryOp::Pow, x, exponent); }
Tensor add_scalar(const Tensor& x, float s) { return unary(UnaryOp::AddScalar, x, s); }
Tensor mul_scalar(const Tensor& x, float s) { return unary(UnaryOp::MulScalar, x, s); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where", "cond");
  HFCPP_CHECK(!tensor::dtype_info(cond.dtype()).is_float, ErrorCode::InvalidArgument,
              "[where] cond has dtype {}: expected Bool or an integer dtype",
              tensor::dtype_name(cond.dtype()));
  check_float(a, "where", "a");
  check_float(b, "where", "b");
  check_same_dtype(a, b, "where", "a", "b");
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  return backend_of(a).where(cond.expand(shape), a.expand(shape), b.expand(shape));
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  check_float(x, "masked_fill", "x");
  check_defined(mask, "masked_fill", "mask");
  const Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  HFCPP_CHECK(shape == x.shape(), ErrorCode::InvalidArgument,
              "[masked_fill] mask shape {} does not broadcast to x's shape {}",
              tensor::shape_to_string(mask.shape()), tensor::shape_to_string(x.shape()));
  const Tensor fill = Tensor::full({}, value, x.dtype());
  return where(mask, fill, x);
}

}  // namespace hfcpp::ops
