// CPU kernel table: contiguous f32 row kernels, one table per instruction set. The scalar table
// (reference/) is always built and is the test oracle; isa/avx2 and isa/avx512 fill theirs from
// one vector-width-generic template (kernels/vec_kernels.h). kernels() picks the table for
// core::active_isa() on every call (one relaxed atomic load), so core::set_isa() switches paths
// at run time and tests can compare them.
#pragma once

#include <cstdint>

#include "hfcpp/core/cpu_features.h"
#include "tensor/backend.h"

namespace hfcpp::tensor::cpu {

struct CpuKernels {
  const char* name;
  // out[i] = a[i*sa] op b[i*sb], sa and sb in {0, 1} (0 broadcasts a scalar).
  void (*binary)(BinaryOp op, const float* a, int64_t sa, const float* b, int64_t sb, float* out,
                 int64_t n);
  void (*unary)(UnaryOp op, const float* x, float* out, int64_t n, float param);
  void (*swiglu)(const float* gate, const float* up, float* out, int64_t n);
  void (*softmax)(const float* x, float* out, int64_t n, bool log);
  // weight/bias may be null (ones / zeros).
  void (*layer_norm)(const float* x, const float* weight, const float* bias, float* out, int64_t n,
                     float eps);
  // out = x * rsqrt(mean(x^2) + eps) * (weight_offset + weight); weight may be null (ones).
  void (*rms_norm)(const float* x, const float* weight, float* out, int64_t n, float eps,
                   float weight_offset);
  // sum = x + residual; out = rms_norm(sum). sum may alias x.
  void (*add_rms_norm)(const float* x, const float* residual, const float* weight, float* out,
                       float* sum, int64_t n, float eps, float weight_offset);
  // Rotates the first 2*half channels of one head vector; out must not alias x.
  void (*rope)(const float* x, const float* cos, const float* sin, float* out, int64_t half,
               bool interleaved);
  float (*dot)(const float* a, const float* b, int64_t n);
  void (*axpy)(float a, const float* x, float* y, int64_t n);  // y += a * x
  void (*scale)(float a, float* y, int64_t n);                 // y *= a
  float (*sum)(const float* x, int64_t n);
  float (*max)(const float* x, int64_t n);
  void (*f16_to_f32)(const uint16_t* src, float* dst, int64_t n);
  void (*f32_to_f16)(const float* src, uint16_t* dst, int64_t n);
  void (*bf16_to_f32)(const uint16_t* src, float* dst, int64_t n);
  void (*f32_to_bf16)(const float* src, uint16_t* dst, int64_t n);
  // y[0, n) += w[t] * x[t * x_stride + (0, n)] for t = 0 .. rows-1 in order, rows with w[t] == 0
  // skipped: bit-equal to one axpy per row, with y kept in registers (decode attention's V sum).
  void (*axpy_rows)(const float* w, const float* x, int64_t x_stride, float* y, int64_t rows, int64_t n);
};

const CpuKernels& kernels();                 // for core::active_isa()
const CpuKernels& kernels_for(core::Isa isa);  // a specific path (tests)

// Defined by each table's TU.
const CpuKernels& reference_kernels();
const CpuKernels& avx2_kernels();
const CpuKernels& avx512_kernels();

// Scalar helpers shared by the reference kernels and the tails of vector kernels.
float apply_unary_scalar(UnaryOp op, float x, float param);
float apply_binary_scalar(BinaryOp op, float a, float b);

}  // namespace hfcpp::tensor::cpu
