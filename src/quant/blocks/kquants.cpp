// K-quants (256-element super-blocks): dequantize (the operation order of gguf-py, so results
// are bit-identical) and scalar dot products against Q8_K activations. Quantizers live in
// kquants_quantize.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks/block_types.h"

namespace hfcpp::quant {
namespace {

int dot_i8(const int8_t* a, const int8_t* b, int n) {
  int acc = 0;
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

// Unpacking to one small integer per element, in element order; shared by dequantize and vec_dot.
// 2-bit fields: 32 bytes cover 128 elements, shift 2s selects elements [32s, 32s + 32).
void unpack_2bit(const uint8_t* qs, int8_t* q) {
  for (int h = 0; h < 2; ++h)
    for (int s = 0; s < 4; ++s)
      for (int l = 0; l < 32; ++l) q[h * 128 + s * 32 + l] = static_cast<int8_t>((qs[h * 32 + l] >> (2 * s)) & 3);
}
// 4-bit fields: 32 bytes cover 64 elements, low nibbles first.
void unpack_4bit(const uint8_t* qs, int8_t* q) {
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      q[c * 64 + l] = static_cast<int8_t>(qs[c * 32 + l] & 0xF);
      q[c * 64 + 32 + l] = static_cast<int8_t>(qs[c * 32 + l] >> 4);
    }
}
// Q3_K: 2 low bits, and -4 where the hmask bit is clear (element 32i + l: bit i of hmask[l]).
void unpack_q3_k(const BlockQ3_K& b, int8_t* q) {
  unpack_2bit(b.qs, q);
  for (int i = 0; i < 8; ++i)
    for (int l = 0; l < 32; ++l)
      if (!((b.hmask[l] >> i) & 1)) q[i * 32 + l] = static_cast<int8_t>(q[i * 32 + l] - 4);
}
void unpack_q5_k(const BlockQ5_K& b, int8_t* q) {
  unpack_4bit(b.qs, q);
  for (int i = 0; i < 8; ++i)
    for (int l = 0; l < 32; ++l) q[i * 32 + l] = static_cast<int8_t>(q[i * 32 + l] | (((b.qh[l] >> i) & 1) << 4));
}
// Q6_K: values - 32.
void unpack_q6_k(const BlockQ6_K& b, int8_t* q) {
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 64; ++l) {
      q[h * 128 + l] = static_cast<int8_t>(b.ql[h * 64 + l] & 0xF);
      q[h * 128 + 64 + l] = static_cast<int8_t>(b.ql[h * 64 + l] >> 4);
    }
    for (int i = 0; i < 4; ++i)
      for (int l = 0; l < 32; ++l) {
        int8_t& v = q[h * 128 + i * 32 + l];
        v = static_cast<int8_t>((v | (((b.qh[h * 32 + l] >> (2 * i)) & 3) << 4)) - 32);
      }
  }
}

}  // namespace

// ---- Q2_K: (d * sc) * q - dmin * m over 16 groups of 16
void dequantize_q2_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ2_K*>(src);
  int8_t q[kQKK];
  for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
    const float d = fp16(b[i].d), dmin = fp16(b[i].dmin);
    unpack_2bit(b[i].qs, q);
    for (int g = 0; g < 16; ++g) {
      const float dl = d * static_cast<float>(b[i].scales[g] & 0xF);
      const float ml = dmin * static_cast<float>(b[i].scales[g] >> 4);
      for (int l = 0; l < 16; ++l) {
        const float scaled = dl * static_cast<float>(q[g * 16 + l]);
        dst[g * 16 + l] = scaled - ml;
      }
    }
  }
}
float vec_dot_q2_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int8_t q[kQKK];
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    unpack_2bit(x[i].qs, q);
    int acc = 0, acc_min = 0;
    for (int g = 0; g < 16; ++g) {
      acc += (x[i].scales[g] & 0xF) * dot_i8(q + g * 16, y[i].qs + g * 16, 16);
      acc_min += (x[i].scales[g] >> 4) * y[i].bsums[g];
    }
    sum += y[i].d * (fp16(x[i].d) * static_cast<float>(acc) - fp16(x[i].dmin) * static_cast<float>(acc_min));
  }
  return sum;
}

// ---- Q3_K: (d * (sc - 32)) * q, q in [-4, 3]
void dequantize_q3_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ3_K*>(src);
  int8_t q[kQKK], sc[16];
  for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
    const float d = fp16(b[i].d);
    unpack_q3_k(b[i], q);
    unpack_q3_scales(b[i].scales, sc);
    for (int g = 0; g < 16; ++g) {
      const float dl = d * static_cast<float>(sc[g]);
      for (int l = 0; l < 16; ++l) dst[g * 16 + l] = dl * static_cast<float>(q[g * 16 + l]);
    }
  }
}
float vec_dot_q3_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int8_t q[kQKK], sc[16];
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    unpack_q3_k(x[i], q);
    unpack_q3_scales(x[i].scales, sc);
    int acc = 0;
    for (int g = 0; g < 16; ++g) acc += sc[g] * dot_i8(q + g * 16, y[i].qs + g * 16, 16);
    sum += y[i].d * fp16(x[i].d) * static_cast<float>(acc);
  }
  return sum;
}

// ---- Q4_K / Q5_K: (d * sc) * q - dmin * m over 8 groups of 32
namespace {
template <class Block, void (*Unpack)(const Block&, int8_t*)>
void dequantize_k45(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const Block*>(src);
  int8_t q[kQKK];
  uint8_t sc[8], mn[8];
  for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
    const float d = fp16(b[i].d), dmin = fp16(b[i].dmin);
    Unpack(b[i], q);
    unpack_k4_scales(b[i].scales, sc, mn);
    for (int g = 0; g < 8; ++g) {
      const float dl = d * static_cast<float>(sc[g]);
      const float ml = dmin * static_cast<float>(mn[g]);
      for (int l = 0; l < 32; ++l) {
        const float scaled = dl * static_cast<float>(q[g * 32 + l]);
        dst[g * 32 + l] = scaled - ml;
      }
    }
  }
}
template <class Block, void (*Unpack)(const Block&, int8_t*)>
float vec_dot_k45(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int8_t q[kQKK];
  uint8_t sc[8], mn[8];
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    Unpack(x[i], q);
    unpack_k4_scales(x[i].scales, sc, mn);
    int acc = 0, acc_min = 0;
    for (int g = 0; g < 8; ++g) {
      acc += sc[g] * dot_i8(q + g * 32, y[i].qs + g * 32, 32);
      acc_min += mn[g] * (y[i].bsums[2 * g] + y[i].bsums[2 * g + 1]);
    }
    sum += y[i].d * (fp16(x[i].d) * static_cast<float>(acc) - fp16(x[i].dmin) * static_cast<float>(acc_min));
  }
  return sum;
}
void unpack_q4_k(const BlockQ4_K& b, int8_t* q) { unpack_4bit(b.qs, q); }
}  // namespace

void dequantize_q4_k(const void* src, float* dst, int64_t n) { dequantize_k45<BlockQ4_K, unpack_q4_k>(src, dst, n); }
float vec_dot_q4_k(int64_t n, const void* w, const void* a) { return vec_dot_k45<BlockQ4_K, unpack_q4_k>(n, w, a); }
void dequantize_q5_k(const void* src, float* dst, int64_t n) { dequantize_k45<BlockQ5_K, unpack_q5_k>(src, dst, n); }
float vec_dot_q5_k(int64_t n, const void* w, const void* a) { return vec_dot_k45<BlockQ5_K, unpack_q5_k>(n, w, a); }

// ---- Q6_K: (d * sc) * (q - 32) over 16 groups of 16
void dequantize_q6_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ6_K*>(src);
  int8_t q[kQKK];
  for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
    const float d = fp16(b[i].d);
    unpack_q6_k(b[i], q);
    for (int g = 0; g < 16; ++g) {
      const float dl = d * static_cast<float>(b[i].scales[g]);
      for (int l = 0; l < 16; ++l) dst[g * 16 + l] = dl * static_cast<float>(q[g * 16 + l]);
    }
  }
}
float vec_dot_q6_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int8_t q[kQKK];
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    unpack_q6_k(x[i], q);
    int acc = 0;
    for (int g = 0; g < 16; ++g) acc += x[i].scales[g] * dot_i8(q + g * 16, y[i].qs + g * 16, 16);
    sum += y[i].d * fp16(x[i].d) * static_cast<float>(acc);
  }
  return sum;
}

// ---- Q8_K (activations): d * q, d = 1 / iscale, iscale = -127 / (signed value of largest magnitude)
void dequantize_q8_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK)
    for (int j = 0; j < kQKK; ++j) dst[j] = b[i].d * static_cast<float>(b[i].qs[j]);
}
void quantize_q8_k(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    float amax = 0.0f, vmax = 0.0f;
    for (int j = 0; j < kQKK; ++j)
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        vmax = x[j];
      }
    std::memset(&b[i], 0, sizeof(BlockQ8_K));
    if (amax == 0.0f) continue;
    const float iscale = -127.0f / vmax;
    for (int j = 0; j < kQKK; ++j) {
      const int v = static_cast<int>(std::nearbyint(iscale * x[j]));
      b[i].qs[j] = static_cast<int8_t>(std::clamp(v, -128, 127));
    }
    for (int g = 0; g < 16; ++g) {
      int s = 0;
      for (int l = 0; l < 16; ++l) s += b[i].qs[g * 16 + l];
      b[i].bsums[g] = static_cast<int16_t>(s);
    }
    b[i].d = 1.0f / iscale;
  }
}
float vec_dot_q8_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) sum += x[i].d * y[i].d * static_cast<float>(dot_i8(x[i].qs, y[i].qs, kQKK));
  return sum;
}

}  // namespace hfcpp::quant
