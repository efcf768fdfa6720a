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

// Decodes a small float with ebits exponent bits, mbits mantissa bits and the given bias.
// (Exponent all-ones handling is done by the callers, which differ between e4m3fn and e5m2.)
float decode_small(uint8_t v, int ebits, int mbits, int bias) {
  const int sign = (v >> (ebits + mbits)) & 1;
  const int exp = (v >> mbits) & ((1 << ebits) - 1);
  const int mant = v & ((1 << mbits) - 1);
  const float mag = exp == 0 ? std::ldexp(static_cast<float>(mant), 1 - bias - mbits)
                             : std::ldexp(static_cast<float>(mant + (1 << mbits)), exp - bias - mbits);
  return sign ? -mag : mag;
}

// Round-to-nearest-even of a finite magnitude |f| (bits absx, already known to be below the
// overflow threshold) into the (ebits, mbits, bias) code without its sign bit. Carries out of
// the mantissa move into the exponent, which is what rounding up to the next binade means.
uint8_t encode_magnitude(uint32_t absx, int mbits, int bias) {
  const int exp = static_cast<int>(absx >> 23) - 127;
  if (exp >= 1 - bias) {  // normal in the target format
    const int shift = 23 - mbits;
    const uint32_t odd = (absx >> shift) & 1u;
    const uint32_t rounded = absx + ((1u << (shift - 1)) - 1u) + odd;
    return static_cast<uint8_t>((rounded >> shift) - (static_cast<uint32_t>(127 - bias) << mbits));
  }
  // Subnormal (or zero) in the target: count quanta of 2^(1 - bias - mbits); scaling by a power
  // of two is exact, and nearbyint rounds half to even in the default rounding mode.
  const float quanta = std::ldexp(std::bit_cast<float>(absx), bias + mbits - 1);
  return static_cast<uint8_t>(std::nearbyint(quanta));  // 2^mbits is the smallest normal: fine
}

}  // namespace

// torch's float8_e4m3fn: no infinities, 0x7f/0xff are NaN, largest finite 448.
float f8e4m3_to_f32(uint8_t v) {
  if ((v & 0x7f) == 0x7f) return std::bit_cast<float>(0x7fc00000u | ((v & 0x80u) << 24));
  return decode_small(v, 4, 3, 7);
}

float f8e5m2_to_f32(uint8_t v) {
  const int exp = (v >> 2) & 0x1f;
  if (exp == 0x1f) {
    if (v & 3) return std::bit_cast<float>(0x7fc00000u | ((v & 0x80u) << 24));
    return (v & 0x80) ? -INFINITY : INFINITY;
  }
  return decode_small(v, 5, 2, 15);
}

// As c10::Float8_e4m3fn(float) (torch's .to()): |x| >= 480 (the rounding midpoint above 448),
// infinities and NaN all become NaN (0x7f) with the sign kept; no saturation.
uint8_t f32_to_f8e4m3(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint8_t sign = static_cast<uint8_t>((x >> 24) & 0x80u);
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x43f00000u) return static_cast<uint8_t>(sign | 0x7f);  // >= 480, inf, NaN
  return static_cast<uint8_t>(sign | encode_magnitude(absx, 3, 7));
}

// As c10::Float8_e5m2(float): |x| >= 65536 gives inf, NaN gives 0x7f (sign kept); values from
// 61440 (the midpoint above 57344) round to inf through the ordinary rounding.
uint8_t f32_to_f8e5m2(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint8_t sign = static_cast<uint8_t>((x >> 24) & 0x80u);
  const uint32_t absx = x & 0x7fffffffu;
  if (absx > 0x7f800000u) return static_cast<uint8_t>(sign | 0x7f);
  if (absx >= 0x47800000u) return static_cast<uint8_t>(sign | 0x7c);  // >= 65536 or inf
  return static_cast<uint8_t>(sign | encode_magnitude(absx, 2, 15));
}

}  // namespace hfcpp::tensor
