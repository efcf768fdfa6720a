#include "hfcpp/tensor/ops/softmax.h"

#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;

namespace {
Tensor softmax_impl(const Tensor& x, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  check_float(x, name, "x");
  HFCPP_CHECK(x.dim() >= 1, ErrorCode::InvalidArgument, "[{}] x is 0-d: expected at least 1 dim", name);
  if (x.numel() == 0) return Tensor::empty(x.shape(), x.dtype());
  return backend_of(x).softmax(x, log);
}
}  // namespace

Tensor softmax(const Tensor& x) { return softmax_impl(x, false); }
Tensor log_softmax(const Tensor& x) { return softmax_impl(x, true); }

}  // namespace hfcpp::ops
