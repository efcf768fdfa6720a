#include "hfcpp/tensor/ops/reduce.h"

#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;
using tensor::ReduceOp;

namespace {

Tensor reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim, int64_t correction = 0) {
  const char* name = tensor::reduce_op_name(op);
  check_float(x, name, "x");
  // A 0-d tensor reduces like a 1-element vector over dim 0 or -1.
  const Tensor xv = x.dim() == 0 ? x.unsqueeze(0) : x;
  const int64_t d = normalize_dim(dim, xv.dim(), name);
  if (xv.size(d) == 0) {
    HFCPP_CHECK(op == ReduceOp::Sum, ErrorCode::InvalidArgument,
                "[{}] cannot reduce dimension {} of size 0 (shape {})", name, d,
                tensor::shape_to_string(x.shape()));
  }
  // Move the reduced dim last (a view), reduce rows, then restore keepdim.
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < xv.dim(); ++i)
    if (i != d) perm.push_back(i);
  perm.push_back(d);
  Tensor out;
  if (xv.size(d) == 0) {
    Shape s = xv.shape();
    s.erase(s.begin() + d);
    out = Tensor::zeros(s, x.dtype());
  } else {
    out = backend_of(x).reduce(op, xv.permute(perm), correction);
  }
  if (keepdim) out = out.unsqueeze(d);
  if (x.dim() == 0 && !keepdim) return out;  // already 0-d
  if (x.dim() == 0) return out.squeeze(0);
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) { return reduce(ReduceOp::Sum, x, dim, keepdim); }
Tensor mean(const Tensor& x, int64_t dim, bool keepdim) { return reduce(ReduceOp::Mean, x, dim, keepdim); }
Tensor max(const Tensor& x, int64_t dim, bool keepdim) { return reduce(ReduceOp::Max, x, dim, keepdim); }
Tensor min(const Tensor& x, int64_t dim, bool keepdim) { return reduce(ReduceOp::Min, x, dim, keepdim); }
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) { return reduce(ReduceOp::Argmax, x, dim, keepdim); }
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce(ReduceOp::LogSumExp, x, dim, keepdim);
}
Tensor var(const Tensor& x, int64_t dim, bool keepdim, int64_t correction) {
  HFCPP_CHECK(correction >= 0, ErrorCode::InvalidArgument, "[var] correction is {}: expected >= 0",
              correction);
  return reduce(ReduceOp::Var, x, dim, keepdim, correction);
}

}  // namespace hfcpp::ops
