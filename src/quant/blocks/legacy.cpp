// Legacy 32-element formats: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (+ the Q8_1 activation format).
// Quantizers reproduce gguf-py's float operations one by one (separate multiply and add, f32
// throughout, f16 rounding of the scales) so their bytes are identical to gguf.quants.quantize.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks/block_types.h"

namespace hfcpp::quant {
namespace {

// std::round (ties away from zero) for |v| < 2^31 without the libm call, so the Q8_0/Q8_1
// activation loops (run for every quant::linear call) vectorize: truncate, then step by one
// where the (exact) remainder is at least a half.
inline int round_half_away(float v) {
  const int t = static_cast<int>(v);
  const float frac = v - static_cast<float>(t);
  return t + (frac >= 0.5f ? 1 : 0) - (frac <= -0.5f ? 1 : 0);
}

// The value with the largest magnitude (first one on ties, as numpy's argmax).
// The first element of largest magnitude (NaNs skipped; 0 when all are NaN). Branch-free max
// first, then the first match: the compare-and-swap loop mispredicted on every new maximum.
float signed_absmax(const float* x, int n) {
  float best_abs = -1.0f;
  for (int i = 0; i < n; ++i) best_abs = std::fabs(x[i]) > best_abs ? std::fabs(x[i]) : best_abs;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) == best_abs) return x[i];
  return 0.0f;
}

// numpy: trunc(v).astype(uint8).clip(0, hi); v is never below 0 by more than rounding.
// The int conversion truncates as std::trunc would (without a libm call at the baseline ISA).
uint8_t trunc_clip(float v, int hi) {
  const int q = v < 0.0f ? 0 : static_cast<int>(v);
  return static_cast<uint8_t>(std::min(q, hi));
}

void pack_nibbles(const uint8_t* q, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((q[j] & 0xF) | (q[j + 16] << 4));
}
void pack_high_bits(const uint8_t* q, uint8_t* qh) {
  uint32_t bits = 0;
  for (int j = 0; j < 32; ++j) bits |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
  std::memcpy(qh, &bits, 4);
}
uint32_t load_high_bits(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  return bits;
}

}  // namespace

// ---- Q4_0: d * (q - 8)
void dequantize_q4_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16(b[i].d);
    for (int j = 0; j < 16; ++j) {
      dst[j] = d * static_cast<float>((b[i].qs[j] & 0xF) - 8);
      dst[j + 16] = d * static_cast<float>((b[i].qs[j] >> 4) - 8);
    }
  }
}
void quantize_q4_0(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ4_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float d = signed_absmax(x, kQK) / -8.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    uint8_t q[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float scaled = x[j] * id;
      q[j] = trunc_clip(scaled + 8.5f, 15);
    }
    b[i].d = to_fp16(d);
    pack_nibbles(q, b[i].qs);
  }
}
// Against Q8_1 activations, whose s = d * sum(qs) carries the -8 offset: d (q . y) - 8 d s per block.
float vec_dot_q4_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int acc = 0;
    for (int j = 0; j < 16; ++j) acc += (x[i].qs[j] & 0xF) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
    sum += fp16(x[i].d) * y[i].d * static_cast<float>(acc) + -8.0f * fp16(x[i].d) * y[i].s;
  }
  return sum;
}

// ---- Q4_1: d * q + m
void dequantize_q4_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16(b[i].d), m = fp16(b[i].m);
    for (int j = 0; j < 16; ++j) {
      const float lo = d * static_cast<float>(b[i].qs[j] & 0xF);
      const float hi = d * static_cast<float>(b[i].qs[j] >> 4);
      dst[j] = lo + m;
      dst[j + 16] = hi + m;
    }
  }
}
void quantize_q4_1(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ4_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
    const float d = (mx - mn) / 15.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    uint8_t q[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float scaled = (x[j] - mn) * id;
      q[j] = trunc_clip(scaled + 0.5f, 15);
    }
    b[i].d = to_fp16(d);
    b[i].m = to_fp16(mn);
    pack_nibbles(q, b[i].qs);
  }
}
float vec_dot_q4_1(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int acc = 0;
    for (int j = 0; j < 16; ++j) acc += (x[i].qs[j] & 0xF) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
    sum += fp16(x[i].d) * y[i].d * static_cast<float>(acc) + fp16(x[i].m) * y[i].s;
  }
  return sum;
}

// ---- Q5_0: d * (q - 16), the fifth bit of element j in bit j of qh
void dequantize_q5_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16(b[i].d);
    const uint32_t qh = load_high_bits(b[i].qh);
    for (int j = 0; j < 16; ++j) {
      const int lo = (b[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (b[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      dst[j] = d * static_cast<float>(lo - 16);
      dst[j + 16] = d * static_cast<float>(hi - 16);
    }
  }
}
void quantize_q5_0(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ5_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float d = signed_absmax(x, kQK) / -16.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    uint8_t q[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float scaled = x[j] * id;
      q[j] = trunc_clip(scaled + 16.5f, 31);
    }
    b[i].d = to_fp16(d);
    pack_high_bits(q, b[i].qh);
    pack_nibbles(q, b[i].qs);
  }
}
// Against Q8_1 activations, as Q4_0: d (q . y) - 16 d s per block.
float vec_dot_q5_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const uint32_t qh = load_high_bits(x[i].qh);
    int acc = 0;
    for (int j = 0; j < 16; ++j) {
      const int lo = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      acc += lo * y[i].qs[j] + hi * y[i].qs[j + 16];
    }
    sum += fp16(x[i].d) * y[i].d * static_cast<float>(acc) + -16.0f * fp16(x[i].d) * y[i].s;
  }
  return sum;
}

// ---- Q5_1: d * q + m
void dequantize_q5_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16(b[i].d), m = fp16(b[i].m);
    const uint32_t qh = load_high_bits(b[i].qh);
    for (int j = 0; j < 16; ++j) {
      const int lo = (b[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (b[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      const float dlo = d * static_cast<float>(lo), dhi = d * static_cast<float>(hi);
      dst[j] = dlo + m;
      dst[j + 16] = dhi + m;
    }
  }
}
void quantize_q5_1(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ5_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
    const float d = (mx - mn) / 31.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    uint8_t q[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float scaled = (x[j] - mn) * id;
      q[j] = trunc_clip(scaled + 0.5f, 31);
    }
    b[i].d = to_fp16(d);
    b[i].m = to_fp16(mn);
    pack_high_bits(q, b[i].qh);
    pack_nibbles(q, b[i].qs);
  }
}
float vec_dot_q5_1(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const uint32_t qh = load_high_bits(x[i].qh);
    int acc = 0;
    for (int j = 0; j < 16; ++j) {
      const int lo = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int hi = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      acc += lo * y[i].qs[j] + hi * y[i].qs[j + 16];
    }
    sum += fp16(x[i].d) * y[i].d * static_cast<float>(acc) + fp16(x[i].m) * y[i].s;
  }
  return sum;
}

// ---- Q8_0: d * q, d = absmax / 127, q rounded half away from zero (gguf-py's np_roundf)
void dequantize_q8_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16(b[i].d);
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(b[i].qs[j]) * d;
  }
}
void quantize_q8_0(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    for (int j = 0; j < kQK; ++j) b[i].qs[j] = static_cast<int8_t>(round_half_away(x[j] * id));
    b[i].d = to_fp16(d);
  }
}
float vec_dot_q8_0(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int acc = 0;
    for (int j = 0; j < kQK; ++j) acc += x[i].qs[j] * y[i].qs[j];
    sum += fp16(x[i].d) * fp16(y[i].d) * static_cast<float>(acc);
  }
  return sum;
}

// ---- Q8_1 (activations only): d * q with the block sum kept in f32
void dequantize_q8_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK)
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(b[i].qs[j]) * b[i].d;
}
void quantize_q8_1(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      b[i].qs[j] = static_cast<int8_t>(round_half_away(x[j] * id));
      sum += b[i].qs[j];
    }
    b[i].d = d;
    b[i].s = d * static_cast<float>(sum);
  }
}
float vec_dot_q8_1(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int acc = 0;
    for (int j = 0; j < kQK; ++j) acc += x[i].qs[j] * y[i].qs[j];
    sum += x[i].d * y[i].d * static_cast<float>(acc);
  }
  return sum;
}

}  // namespace hfcpp::quant
