// Unquantized element types (F32, F16, BF16) as block formats of one element, so that GGUF
// tensors of every type go through the same dequantize / linear entry points.
#include <cstring>
#include <vector>

#include "quant/blocks/block_types.h"

namespace hfcpp::quant {

void dequantize_f32(const void* src, float* dst, int64_t n) { std::memcpy(dst, src, static_cast<size_t>(n) * 4); }
void dequantize_f16(const void* src, float* dst, int64_t n) {
  // One lookup per element (256 KiB table, as ggml's) instead of the branchy bit conversion:
  // dequantizing F16 input was a visible share of `hfcpp quantize` time.
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t i = 0; i < 65536; ++i) t[i] = tensor::f16_to_f32(static_cast<uint16_t>(i));
    return t;
  }();
  const auto* h = static_cast<const uint16_t*>(src);
  const float* t = table.data();
  for (int64_t i = 0; i < n; ++i) dst[i] = t[h[i]];
}
void dequantize_bf16(const void* src, float* dst, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = tensor::bf16_to_f32(h[i]);
}
void quantize_f32(const float* src, void* dst, int64_t n, const float*) { std::memcpy(dst, src, static_cast<size_t>(n) * 4); }
void quantize_f16(const float* src, void* dst, int64_t n, const float*) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = tensor::f32_to_f16(src[i]);
}
void quantize_bf16(const float* src, void* dst, int64_t n, const float*) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = tensor::f32_to_bf16(src[i]);
}
// Float weights dot f32 activations (the activation row is plain f32).
float vec_dot_f32(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}
float vec_dot_f16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += tensor::f16_to_f32(x[i]) * y[i];
  return sum;
}
float vec_dot_bf16(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const uint16_t*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += tensor::bf16_to_f32(x[i]) * y[i];
  return sum;
}

}  // namespace hfcpp::quant
