// Helpers for the quant tests: golden access, seeded data, NMSE and weighted squared error.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hfcpp/quant/quant.h"
#include "tensor/test_util.h"

namespace hfcpp::testing {

using quant::GgmlType;

inline const GoldenFile& quant_golden() {
  static const GoldenFile gf("tests/golden/quant/quant.safetensors");
  return gf;
}

template <class T>
std::vector<T> golden_vector(const std::string& name) {
  const Tensor t = quant_golden().get(name);
  std::vector<T> out(t.nbytes() / sizeof(T));
  std::memcpy(out.data(), t.raw_data(), t.nbytes());
  return out;
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

inline double nmse(const std::vector<float>& actual, const std::vector<float>& expected) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    err += (static_cast<double>(actual[i]) - expected[i]) * (static_cast<double>(actual[i]) - expected[i]);
    ref += static_cast<double>(expected[i]) * expected[i];
  }
  return ref > 0 ? err / ref : err;
}

// sum_i w_i (q_i - x_i)^2 (w = 1 when null), llama.cpp's quantization objective.
inline double weighted_sq_error(const std::vector<float>& q, const std::vector<float>& x, const float* w,
                                size_t row_len) {
  double e = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(q[i]) - x[i];
    e += (w ? w[i % row_len] : 1.0) * d * d;
  }
  return e;
}

// Quantize then dequantize rows.
inline std::vector<float> round_trip(GgmlType type, const std::vector<float>& x, int64_t rows, int64_t cols,
                                     const float* importance = nullptr) {
  std::vector<std::byte> bytes(static_cast<size_t>(rows) * quant::ggml_row_bytes(type, static_cast<uint64_t>(cols)));
  quant::quantize(type, x.data(), bytes.data(), rows, cols, importance);
  std::vector<float> out(x.size());
  quant::dequantize(type, bytes.data(), out.data(), rows * cols);
  return out;
}

}  // namespace hfcpp::testing
