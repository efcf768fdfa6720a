// IQ4_NL (32-element blocks, f16 scale) and IQ4_XS (256-element super-blocks, 6-bit sub-scales):
// 4-bit indices into the non-linear code book kIq4Values. The quantizer follows llama.cpp's
// search: several candidate scales per block, each index the nearest code, the scale refit by
// weighted least squares, the best fit kept.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks/block_types.h"

namespace hfcpp::quant {
namespace {

int nearest_code(float v) {
  if (v <= kIq4Values[0]) return 0;
  if (v >= kIq4Values[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    (v < kIq4Values[mid] ? hi : lo) = mid;
  }
  return v - kIq4Values[lo] < kIq4Values[hi] - v ? lo : hi;
}

// Best scale for n values (codes in idx), weights w; returns the scale (0 for an all-zero block).
float fit_iq4_block(const float* x, const float* w, int n, uint8_t* idx) {
  float amax = 0.0f, vmax = 0.0f;
  for (int j = 0; j < n; ++j)
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      vmax = x[j];
    }
  if (amax < 1e-30f) {
    std::fill(idx, idx + n, static_cast<uint8_t>(nearest_code(0.0f)));
    return 0.0f;
  }
  float best_scale = vmax / kIq4Values[0], best_metric = -1.0f;
  uint8_t trial[256];
  for (int itry = -7; itry <= 7; ++itry) {
    const float inv = (static_cast<float>(itry) + kIq4Values[0]) / vmax;
    float sumqx = 0.0f, sumq2 = 0.0f;
    for (int j = 0; j < n; ++j) {
      trial[j] = static_cast<uint8_t>(nearest_code(inv * x[j]));
      const float q = kIq4Values[trial[j]];
      sumqx += w[j] * q * x[j];
      sumq2 += w[j] * q * q;
    }
    // Keep the codes the scale was fitted to (re-rounding with 1/scale can only move away).
    if (sumq2 > 0.0f && sumqx * sumqx > best_metric * sumq2) {
      best_scale = sumqx / sumq2;
      best_metric = sumqx * sumqx / sumq2;
      std::copy(trial, trial + n, idx);
    }
  }
  return best_scale;
}

// llama.cpp's default weights: importance * sqrt(sigma2 + x^2), or x^2 without an imatrix.
void block_weights(const float* x, const float* importance, int n, float sigma2, float* w) {
  for (int j = 0; j < n; ++j)
    w[j] = importance ? importance[j] * std::sqrt(sigma2 + x[j] * x[j]) : x[j] * x[j];
}
float mean_square(const float* x, int n) {
  float s = 0.0f;
  for (int j = 0; j < n; ++j) s += x[j] * x[j];
  return s / static_cast<float>(n);
}

}  // namespace

void dequantize_iq4_nl(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16(b[i].d);
    for (int j = 0; j < 16; ++j) {
      dst[j] = d * static_cast<float>(kIq4Values[b[i].qs[j] & 0xF]);
      dst[j + 16] = d * static_cast<float>(kIq4Values[b[i].qs[j] >> 4]);
    }
  }
}
void quantize_iq4_nl(const float* x, void* dst, int64_t n, const float* importance) {
  auto* b = static_cast<BlockIQ4_NL*>(dst);
  float w[kQK];
  uint8_t idx[kQK];
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float sigma2 = 2.0f * mean_square(x, kQK);  // per block, as llama.cpp
    block_weights(x, importance ? importance + i * kQK : nullptr, kQK, sigma2, w);
    b[i].d = to_fp16(fit_iq4_block(x, w, kQK, idx));
    for (int j = 0; j < 16; ++j) b[i].qs[j] = static_cast<uint8_t>(idx[j] | (idx[j + 16] << 4));
  }
}
float vec_dot_iq4_nl(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_NL*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int acc = 0;
    for (int j = 0; j < 16; ++j)
      acc += kIq4Values[x[i].qs[j] & 0xF] * y[i].qs[j] + kIq4Values[x[i].qs[j] >> 4] * y[i].qs[j + 16];
    sum += fp16(x[i].d) * fp16(y[i].d) * static_cast<float>(acc);
  }
  return sum;
}

namespace {
int iq4_xs_scale(const BlockIQ4_XS& b, int j) {
  const int low = (b.scales_l[j / 2] >> (4 * (j % 2))) & 0xF;
  const int high = (b.scales_h >> (2 * j)) & 3;
  return (low | (high << 4)) - 32;
}
}  // namespace

void dequantize_iq4_xs(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i, dst += kQKK) {
    const float d = fp16(b[i].d);
    for (int j = 0; j < 8; ++j) {
      const float dl = d * static_cast<float>(iq4_xs_scale(b[i], j));
      const uint8_t* qs = b[i].qs + 16 * j;
      for (int l = 0; l < 16; ++l) {
        dst[j * 32 + l] = dl * static_cast<float>(kIq4Values[qs[l] & 0xF]);
        dst[j * 32 + 16 + l] = dl * static_cast<float>(kIq4Values[qs[l] >> 4]);
      }
    }
  }
}
void quantize_iq4_xs(const float* x, void* dst, int64_t n, const float* importance) {
  auto* b = static_cast<BlockIQ4_XS*>(dst);
  float w[kQKK], scales[8];
  uint8_t idx[kQKK];
  for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    const float sigma2 = 2.0f * mean_square(x, kQKK);  // per super-block, as llama.cpp
    block_weights(x, importance ? importance + i * kQKK : nullptr, kQKK, sigma2, w);
    float max_scale = 0.0f, amax_scale = 0.0f;
    for (int j = 0; j < 8; ++j) {
      scales[j] = fit_iq4_block(x + 32 * j, w + 32 * j, 32, idx + 32 * j);
      if (std::fabs(scales[j]) > amax_scale) {
        amax_scale = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    std::memset(&b[i], 0, sizeof(BlockIQ4_XS));
    const float d = max_scale / -32.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = to_fp16(d);
    const float d_stored = fp16(b[i].d);
    for (int j = 0; j < 8; ++j) {
      const int l = std::clamp(static_cast<int>(std::nearbyint(id * scales[j])), -32, 31);
      b[i].scales_l[j / 2] = static_cast<uint8_t>(b[i].scales_l[j / 2] | (((l + 32) & 0xF) << (4 * (j % 2))));
      b[i].scales_h = static_cast<uint16_t>(b[i].scales_h | (((l + 32) >> 4) << (2 * j)));
      // Re-pick the codes for the scale actually stored.
      const float dl = d_stored * static_cast<float>(l);
      const float idl = dl != 0.0f ? 1.0f / dl : 0.0f;
      for (int k = 0; k < 32; ++k) idx[32 * j + k] = static_cast<uint8_t>(nearest_code(idl * x[32 * j + k]));
      for (int k = 0; k < 16; ++k)
        b[i].qs[16 * j + k] = static_cast<uint8_t>(idx[32 * j + k] | (idx[32 * j + 16 + k] << 4));
    }
  }
}
float vec_dot_iq4_xs(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int acc = 0;
    for (int j = 0; j < 8; ++j) {
      const uint8_t* qs = x[i].qs + 16 * j;
      const int8_t* q8 = y[i].qs + 32 * j;
      int part = 0;
      for (int l = 0; l < 16; ++l) part += kIq4Values[qs[l] & 0xF] * q8[l] + kIq4Values[qs[l] >> 4] * q8[l + 16];
      acc += iq4_xs_scale(x[i], j) * part;
    }
    sum += fp16(x[i].d) * y[i].d * static_cast<float>(acc);
  }
  return sum;
}

}  // namespace hfcpp::quant
