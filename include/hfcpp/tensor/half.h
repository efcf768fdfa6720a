// Scalar conversions between f32 and f16/bf16/f8, bit-exact with PyTorch/NumPy:
// round-to-nearest-even, NaN kept NaN, overflow to inf (f16) as torch does.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace hfcpp::tensor {

inline float bf16_to_f32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

inline uint16_t f32_to_bf16(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
// OCP FP8 formats as torch.float8_e4m3fn (no inf, saturating NaN 0x7f) and float8_e5m2.
float f8e4m3_to_f32(uint8_t v);
float f8e5m2_to_f32(uint8_t v);
uint8_t f32_to_f8e4m3(float f);
uint8_t f32_to_f8e5m2(float f);

}  // namespace hfcpp::tensor
