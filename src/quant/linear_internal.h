// quant::linear's implementations, chosen by linear_f32 (linear.cpp).
#pragma once

#include <cstdint>

#include "hfcpp/quant/quant.h"

namespace hfcpp::quant::detail {

// Weight rows dequantized to f32 panel by panel, times all m activation rows by the f32 GEMM kernel.
void linear_dequant_gemm(const float* x, int64_t m, const QuantizedTensor& w, float* y);

// Whether linear_f32 takes linear_dequant_gemm for m activation rows (of a type with or without a tile kernel).
bool use_dequant_gemm(int64_t m, GgmlType type, bool has_integer_kernel);

}  // namespace hfcpp::quant::detail
