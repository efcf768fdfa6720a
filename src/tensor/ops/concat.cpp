#include "hfcpp/tensor/ops/concat.h"

#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
  HFCPP_CHECK(!tensors.empty(), ErrorCode::InvalidArgument, "[concat] got 0 tensors: expected at least 1");
  for (size_t i = 0; i < tensors.size(); ++i)
    HFCPP_CHECK(tensors[i].defined(), ErrorCode::InvalidArgument, "[concat] tensor {} is undefined", i);
  const Tensor& first = tensors.front();
  HFCPP_CHECK(first.dim() >= 1, ErrorCode::InvalidArgument, "[concat] tensor 0 is 0-d: expected at least 1 dim");
  const int64_t d = normalize_dim(dim, first.dim(), "concat");
  Shape out_shape = first.shape();
  out_shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    HFCPP_CHECK(t.dtype() == first.dtype(), ErrorCode::InvalidArgument,
                "[concat] tensor {} has dtype {}: expected {} like tensor 0", i,
                tensor::dtype_name(t.dtype()), tensor::dtype_name(first.dtype()));
    bool same = t.dim() == first.dim();
    for (int64_t k = 0; same && k < t.dim(); ++k) same = k == d || t.size(k) == first.size(k);
    HFCPP_CHECK(same, ErrorCode::InvalidArgument,
                "[concat] tensor {} has shape {}: expected {} except along dim {}", i,
                tensor::shape_to_string(t.shape()), tensor::shape_to_string(first.shape()), d);
    out_shape[d] += t.size(d);
  }
  return backend_of(first).concat(tensors, d, out_shape);
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  HFCPP_CHECK(!tensors.empty(), ErrorCode::InvalidArgument, "[stack] got 0 tensors: expected at least 1");
  const Tensor& first = tensors.front();
  HFCPP_CHECK(first.defined(), ErrorCode::InvalidArgument, "[stack] tensor 0 is undefined");
  const int64_t d = normalize_dim(dim, first.dim() + 1, "stack");
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    HFCPP_CHECK(tensors[i].defined() && tensors[i].shape() == first.shape(), ErrorCode::InvalidArgument,
                "[stack] tensor {} has shape {}: expected {} like tensor 0", i,
                tensors[i].defined() ? tensor::shape_to_string(tensors[i].shape()) : "undefined",
                tensor::shape_to_string(first.shape()));
    expanded.push_back(tensors[i].unsqueeze(d));
  }
  return concat(expanded, d);
}

}  // namespace hfcpp::ops
