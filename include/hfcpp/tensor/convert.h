// Element conversion between any two dtypes, as torch's .to() does it (floats round to
// nearest even, float->int truncates toward zero, anything->bool is != 0).
#pragma once

#include <cstddef>

#include "hfcpp/tensor/dtype.h"

namespace hfcpp::tensor {

// Converts n contiguous elements. src and dst must not overlap unless identical dtypes.
void convert_elements(const void* src, DType src_dtype, void* dst, DType dst_dtype, size_t n);
double load_as_double(const void* p, DType dtype);
void store_from_double(void* p, DType dtype, double v);

}  // namespace hfcpp::tensor
