#include "hfcpp/tensor/half.h"

#include <cmath>

namespace hfcpp::tensor {

float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

uint16_t f32_to_f16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (absx < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
    // Add 0.5 so that the float addition performs round-to-nearest-even at half's subnormal ulp.
    float v = std::bit_cast<float>(absx) + 0.5f;
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(v) - 0x3f000000u));
  }
  uint32_t mant_odd = (absx >> 13) & 1u;
  absx += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
  return static_cast<uint16_t>(sign | (absx >> 13));
}

namespace {
// Generic small-float decode: e exponent bits, m mantissa bits, bias.
float decode_small(uint8_t v, int ebits, int mbits, int bias) {
  int sign = (v >> (ebits + mbits)) & 1;
  int exp = (v >> mbits) & ((1 << ebits) - 1);
  int mant = v & ((1 << mbits) - 1);
  float out;
  if (exp == 0) out = std::ldexp(static_cast<float>(mant), 1 - bias - mbits);
  else out = std::ldexp(static_cast<float>(mant + (1 << mbits)), exp - bias - mbits);
  return sign ? -out : out;
}

// Round-to-nearest-even encode of a finite value into (ebits, mbits, bias); max_code is the
// largest finite magnitude code; values above it saturate (e4m3fn) or become inf (e5m2).
uint8_t encode_small(float f, int ebits, int mbits, int bias, uint8_t max_code, bool has_inf) {
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  float a = std::fabs(f);
  if (std::isnan(f)) return has_inf ? static_cast<uint8_t>(sign | 0x7f) : static_cast<uint8_t>(sign | 0x7f);
  // Find the nearest representable by scanning codes (only 128 of them); ties to even code.
  uint8_t best = 0;
  float best_err = INFINITY;
  for (int code = 0; code <= max_code; ++code) {
    float v = decode_small(static_cast<uint8_t>(code), ebits, mbits, bias);
    float err = std::fabs(v - a);
    if (err < best_err || (err == best_err && (code & 1) == 0)) {
      best_err = err;
      best = static_cast<uint8_t>(code);
    }
  }
  float max_v = decode_small(max_code, ebits, mbits, bias);
  if (a > max_v) {
    // torch: e4m3fn saturates only in explicit saturating casts; a plain cast gives NaN.
    // e5m2 overflow gives inf when past the rounding midpoint.
    float next = std::ldexp(1.0f, (1 << ebits) - 1 - bias - (has_inf ? 1 : 0));
    if (has_inf) {
      float mid = max_v + (next - max_v) / 2 * 0 + std::ldexp(1.0f, (1 << ebits) - 2 - bias - mbits) / 2 * 1;
      (void)mid;
      if (a >= max_v + std::ldexp(1.0f, (1 << ebits) - 2 - bias - mbits) / 2) return static_cast<uint8_t>(sign | 0x7c);
      return static_cast<uint8_t>(sign | max_code);
    }
    if (a >= max_v + std::ldexp(1.0f, (1 << ebits) - 1 - bias - mbits) / 2) return static_cast<uint8_t>(sign | 0x7f);
    return static_cast<uint8_t>(sign | max_code);
  }
  return static_cast<uint8_t>(sign | best);
}
}  // namespace

float f8e4m3_to_f32(uint8_t v) {
  if ((v & 0x7f) == 0x7f) return NAN;
  return decode_small(v, 4, 3, 7);
}
float f8e5m2_to_f32(uint8_t v) {
  int exp = (v >> 2) & 0x1f;
  if (exp == 0x1f) {
    if (v & 3) return NAN;
    return (v & 0x80) ? -INFINITY : INFINITY;
  }
  return decode_small(v, 5, 2, 15);
}
uint8_t f32_to_f8e4m3(float f) {
  if (std::isinf(f)) return std::signbit(f) ? 0xff : 0x7f;
  return encode_small(f, 4, 3, 7, 0x7e, false);
}
uint8_t f32_to_f8e5m2(float f) {
  if (std::isinf(f)) return std::signbit(f) ? 0xfc : 0x7c;
  return encode_small(f, 5, 2, 15, 0x7b, true);
}

}  // namespace hfcpp::tensor
