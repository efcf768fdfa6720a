// Argument checks shared by the op families; every failure is Error(InvalidArgument) with the
// message "[op] what: got X, expected Y".
#pragma once

#include "hfcpp/tensor/tensor.h"
#include "tensor/backend.h"

namespace hfcpp::ops::detail {

using tensor::DType;
using tensor::Shape;
using tensor::Tensor;

inline bool is_float_dtype(DType dt) { return dt == DType::F32 || dt == DType::F16 || dt == DType::BF16; }

inline void check_defined(const Tensor& t, const char* op, const char* what) {
  HFCPP_CHECK(t.defined(), ErrorCode::InvalidArgument, "[{}] {} is an undefined tensor", op, what);
}

inline void check_float(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op, what);
  HFCPP_CHECK(is_float_dtype(t.dtype()), ErrorCode::InvalidArgument,
              "[{}] {} has dtype {}: expected F32, F16 or BF16", op, what, tensor::dtype_name(t.dtype()));
}

inline void check_same_dtype(const Tensor& a, const Tensor& b, const char* op, const char* what_a,
                             const char* what_b) {
  HFCPP_CHECK(a.dtype() == b.dtype(), ErrorCode::InvalidArgument,
              "[{}] {} has dtype {} but {} has dtype {}: expected the same dtype", op, what_a,
              tensor::dtype_name(a.dtype()), what_b, tensor::dtype_name(b.dtype()));
}

inline void check_rank(const Tensor& t, int64_t rank, const char* op, const char* what) {
  HFCPP_CHECK(t.dim() == rank, ErrorCode::InvalidArgument, "[{}] {} has shape {}: expected {} dims",
              op, what, tensor::shape_to_string(t.shape()), rank);
}

// Normalises a possibly negative dim for a tensor of rank ndim.
inline int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t d = dim < 0 ? dim + ndim : dim;
  HFCPP_CHECK(d >= 0 && d < ndim, ErrorCode::InvalidArgument,
              "[{}] dim {} is out of range: expected -{} <= dim < {}", op, dim, ndim, ndim);
  return d;
}

// A 1-d parameter of size n (norm weight, bias), or undefined.
inline void check_param_vector(const Tensor& t, int64_t n, const char* op, const char* what) {
  if (!t.defined()) return;
  check_float(t, op, what);
  HFCPP_CHECK(t.dim() == 1 && t.size(0) == n, ErrorCode::InvalidArgument,
              "[{}] {} has shape {}: expected [{}]", op, what, tensor::shape_to_string(t.shape()), n);
}

inline tensor::Backend& backend_of(const Tensor& t) { return tensor::backend_for(t.device()); }

}  // namespace hfcpp::ops::detail
