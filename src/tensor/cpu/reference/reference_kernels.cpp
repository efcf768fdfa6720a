// Scalar kernels: the always-available path and the oracle every vector path is tested against.
// Written for clarity: accumulations in double, libm for transcendental functions.
#include <cmath>
#include <limits>

#include "hfcpp/tensor/half.h"
#include "tensor/cpu/kernels.h"

namespace hfcpp::tensor::cpu {

float apply_unary_scalar(UnaryOp op, float x, float p) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Rsqrt: return 1.0f / std::sqrt(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
    case UnaryOp::Relu: return x > 0.0f ? x : (std::isnan(x) ? x : 0.0f);
    case UnaryOp::Pow: return std::pow(x, p);
    case UnaryOp::AddScalar: return x + p;
    case UnaryOp::MulScalar: return x * p;
    case UnaryOp::Gelu: {
      const double xd = x;
      return static_cast<float>(0.5 * xd * (1.0 + std::erf(xd / std::sqrt(2.0))));
    }
    case UnaryOp::GeluTanh: {
      const double xd = x;
      const double inner = std::sqrt(2.0 / M_PI) * (xd + 0.044715 * xd * xd * xd);
      return static_cast<float>(0.5 * xd * (1.0 + std::tanh(inner)));
    }
    case UnaryOp::QuickGelu: {
      const double xd = x;
      return static_cast<float>(xd / (1.0 + std::exp(-1.702 * xd)));
    }
    case UnaryOp::Silu: {
      const double xd = x;
      return static_cast<float>(xd / (1.0 + std::exp(-xd)));
    }
  }
  return x;
}

float apply_binary_scalar(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    // torch.maximum/minimum propagate NaN.
    case BinaryOp::Maximum: return (std::isnan(a) || std::isnan(b)) ? std::numeric_limits<float>::quiet_NaN() : (a > b ? a : b);
    case BinaryOp::Minimum: return (std::isnan(a) || std::isnan(b)) ? std::numeric_limits<float>::quiet_NaN() : (a < b ? a : b);
  }
  return a;
}

namespace {

void ref_binary(BinaryOp op, const float* a, int64_t sa, const float* b, int64_t sb, float* out,
                int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_binary_scalar(op, a[i * sa], b[i * sb]);
}

void ref_unary(UnaryOp op, const float* x, float* out, int64_t n, float p) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_unary_scalar(op, x[i], p);
}

void ref_swiglu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_unary_scalar(UnaryOp::Silu, gate[i], 0) * up[i];
}

void ref_softmax(const float* x, float* out, int64_t n, bool log) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) m = std::max<double>(m, x[i]);
  if (std::isinf(m) && m < 0) m = 0;  // all -inf: avoid inf - inf
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i]) - m);
  const double log_s = std::log(s);
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - m;
    out[i] = static_cast<float>(log ? d - log_s : std::exp(d) / s);
  }
}

void ref_layer_norm(const float* x, const float* w, const float* b, float* out, int64_t n, float eps) {
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  double var = 0;
  for (int64_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<double>(n);
  const double rstd = 1.0 / std::sqrt(var + eps);
  for (int64_t i = 0; i < n; ++i) {
    double y = (x[i] - mean) * rstd;
    if (w) y *= w[i];
    if (b) y += b[i];
    out[i] = static_cast<float>(y);
  }
}

void ref_rms_norm(const float* x, const float* w, float* out, int64_t n, float eps, float w_offset) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const double rstd = 1.0 / std::sqrt(ss / static_cast<double>(n) + eps);
  for (int64_t i = 0; i < n; ++i) {
    const double scale = w ? static_cast<double>(w_offset) + w[i] : 1.0;
    out[i] = static_cast<float>(x[i] * rstd * scale);
  }
}

void ref_add_rms_norm(const float* x, const float* r, const float* w, float* out, float* sum,
                      int64_t n, float eps, float w_offset) {
  for (int64_t i = 0; i < n; ++i) sum[i] = x[i] + r[i];
  ref_rms_norm(sum, w, out, n, eps, w_offset);
}

void ref_rope(const float* x, const float* c, const float* s, float* out, int64_t half,
              bool interleaved) {
  for (int64_t i = 0; i < half; ++i) {
    const int64_t i0 = interleaved ? 2 * i : i;
    const int64_t i1 = interleaved ? 2 * i + 1 : i + half;
    const float x0 = x[i0], x1 = x[i1];
    out[i0] = x0 * c[i] - x1 * s[i];
    out[i1] = x1 * c[i] + x0 * s[i];
  }
}

float ref_dot(const float* a, const float* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(s);
}

void ref_axpy(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void ref_scale(float a, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= a;
}

float ref_sum(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return static_cast<float>(s);
}

float ref_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) return x[i];
    m = x[i] > m ? x[i] : m;
  }
  return m;
}

void ref_f16_to_f32(const uint16_t* s, float* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = f16_to_f32(s[i]);
}
void ref_f32_to_f16(const float* s, uint16_t* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(s[i]);
}
void ref_bf16_to_f32(const uint16_t* s, float* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = bf16_to_f32(s[i]);
}
void ref_f32_to_bf16(const float* s, uint16_t* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(s[i]);
}

void ref_axpy_rows(const float* w, const float* x, int64_t x_stride, float* y, int64_t rows, int64_t n) {
  for (int64_t t = 0; t < rows; ++t)
    if (w[t] != 0.0f) ref_axpy(w[t], x + t * x_stride, y, n);
}

constexpr CpuKernels kReference = {
    "scalar",       ref_binary,  ref_unary, ref_swiglu, ref_softmax,    ref_layer_norm,
    ref_rms_norm,   ref_add_rms_norm, ref_rope, ref_dot, ref_axpy,      ref_scale,
    ref_sum,        ref_max,     ref_f16_to_f32, ref_f32_to_f16, ref_bf16_to_f32, ref_f32_to_bf16,
    ref_axpy_rows,
};

}  // namespace

const CpuKernels& reference_kernels() { return kReference; }

}  // namespace hfcpp::tensor::cpu
