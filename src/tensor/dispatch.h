// dtype dispatch for kernels: dispatch_float(dt, "rms_norm", [&]<class T>() { kernel<T>(...); })
// calls the templated lambda with float, f16_t or bf16_t; any other dtype is an Unsupported error
// naming the op. A template, not a statement macro, so call sites stay ordinary C++.
#pragma once

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/dtype.h"

namespace hfcpp::tensor {

template <class F>
decltype(auto) dispatch_float(DType dt, const char* op, F&& fn) {
  switch (dt) {
    case DType::F32: return fn.template operator()<float>();
    case DType::F16: return fn.template operator()<f16_t>();
    case DType::BF16: return fn.template operator()<bf16_t>();
    default: break;
  }
  HFCPP_THROW(ErrorCode::Unsupported, "[{}] dtype {} is not supported: expected F32, F16 or BF16", op,
              dtype_name(dt));
}

// Index dtypes (token ids, positions).
template <class F>
decltype(auto) dispatch_index(DType dt, const char* op, F&& fn) {
  switch (dt) {
    case DType::I32: return fn.template operator()<int32_t>();
    case DType::I64: return fn.template operator()<int64_t>();
    default: break;
  }
  HFCPP_THROW(ErrorCode::InvalidArgument, "[{}] index dtype {} is not supported: expected I32 or I64",
              op, dtype_name(dt));
}

}  // namespace hfcpp::tensor
