// K-quant quantizers, after llama.cpp's algorithms (make_qx_quants / make_qkx2_quants): each
// sub-block's scale (and min) is searched over a fan of candidate inverse scales, refit by
// weighted least squares, and the fit with the least weighted squared error kept; the sub-block
// scales are then quantized against one f16 super-block scale and the values re-rounded with the
// scales actually stored. Weights: importance[i] * sqrt(sigma2 + x[i]^2) with an imatrix
// (sigma2 = 2 * mean square of the super-block), else llama.cpp's per-format defaults.
#include <algorithm>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "quant/blocks/block_types.h"

namespace hfcpp::quant {
namespace {

// Same result as nearbyint (round half to even) without the libm call the baseline ISA forces:
// below 2^22, adding 1.5 * 2^23 leaves no fraction bits, so the FPU rounds exactly as nearbyint.
inline int nearest_int(float v) {
  constexpr float kMagic = 12582912.0f;
  if (std::fabs(v) < 4194304.0f) return static_cast<int>((v + kMagic) - kMagic);
  return static_cast<int>(std::nearbyint(v));
}

// The searches below try many candidate scales per sub-block, and each candidate's sums are a
// serial chain of float adds (latency-bound). Eight candidates run side by side in the lanes of two
// SSE-sized vectors (wider generic vectors are split badly at the baseline ISA):
// every lane does exactly the scalar operations in the scalar order, so results are bit-identical.
// Rounded values are monotone in x, so a candidate's range is checked once from the extreme
// elements; a candidate that can leave nearest_int's fast range (or meets NaN/inf) is redone by
// the scalar code.
using Vf = float __attribute__((vector_size(16)));
constexpr int kWidth = 4, kVecs = 2, kLanes = kWidth * kVecs;

inline Vf splat(float v) { return Vf{} + v; }

inline bool in_fast_range(float v) { return std::fabs(v) < 4194304.0f; }  // false for NaN

bool all_finite(const float* x, int n) {
  bool ok = true;
  for (int i = 0; i < n; ++i) ok &= std::fabs(x[i]) <= 3.4028235e38f;
  return ok;
}

// nearest_int per lane (|v| < 2^22, no NaN), clamped to [lo, hi].
inline Vf round_clamp(Vf v, Vf lo, Vf hi) {
  const Vf magic = splat(12582912.0f);
  const Vf r = (v + magic) - magic;
#if defined(__SSE2__)
  return _mm_min_ps(hi, _mm_max_ps(lo, r));  // maxps(lo, r) is exactly r < lo ? lo : r
#else
  const Vf c = r < lo ? lo : r;
  return c > hi ? hi : c;
#endif
}

// Symmetric levels [-nmax, nmax - 1]: the scale of the candidate with the best weighted fit
// (the caller re-rounds the levels against the stored scale, so none are returned).
float fit_symmetric(const float* x, const float* w, int n, int nmax) {
  float amax = 0.0f, vmax = 0.0f;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      vmax = x[i];
    }
  if (amax < 1e-30f) return 0.0f;
  constexpr int kFirst = -9, kCount = 19;
  float iscales[24], sumlx[24], suml2[24];
  for (int c = 0; c < 24; ++c)
    iscales[c] = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(std::min(c, kCount - 1) + kFirst)) / vmax;
  const bool finite = all_finite(x, n);  // |iscale * x| <= |iscale| * amax then
  const Vf lo = splat(static_cast<float>(-nmax)), hi = splat(static_cast<float>(nmax - 1));
  for (int base = 0; base < kCount; base += kLanes) {
    Vf iscale[kVecs], slx[kVecs]{}, sl2[kVecs]{};
    std::memcpy(iscale, iscales + base, sizeof(iscale));
    for (int i = 0; i < n; ++i)
      for (int g = 0; g < kVecs; ++g) {
        const Vf l = round_clamp(iscale[g] * x[i], lo, hi);
        slx[g] += w[i] * x[i] * l;
        sl2[g] += w[i] * (l * l);
      }
    for (int k = 0; k < kLanes && base + k < kCount; ++k) {
      sumlx[base + k] = slx[k / kWidth][k % kWidth];
      suml2[base + k] = sl2[k / kWidth][k % kWidth];
      if (finite && in_fast_range(std::fabs(iscales[base + k]) * amax)) continue;
      float a = 0.0f, b = 0.0f;
      for (int i = 0; i < n; ++i) {
        const int l = std::clamp(nearest_int(iscales[base + k] * x[i]), -nmax, nmax - 1);
        a += w[i] * x[i] * static_cast<float>(l);
        b += w[i] * static_cast<float>(l * l);
      }
      sumlx[base + k] = a;
      suml2[base + k] = b;
    }
  }
  float best_scale = 0.0f, best_metric = -1.0f;
  for (int c = 0; c < kCount; ++c)
    if (suml2[c] > 0.0f && sumlx[c] * sumlx[c] > best_metric * suml2[c]) {
      best_metric = sumlx[c] * sumlx[c] / suml2[c];
      best_scale = sumlx[c] / suml2[c];
    }
  return best_scale;
}

// Affine levels [0, nmax]: x ~ scale * L - offset, offset >= 0. Returns the scale.
float fit_affine(const float* x, const float* w, int n, int nmax, float* offset) {
  const float x_min = *std::min_element(x, x + n);
  float mn = x_min, mx = *std::max_element(x, x + n);
  mn = std::min(mn, 0.0f);
  if (mx <= mn) {
    *offset = -mn;
    return 0.0f;
  }
  float sum_w = 0.0f, sum_x = 0.0f;
  for (int i = 0; i < n; ++i) {
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  const Vf lo = splat(0.0f), hi = splat(static_cast<float>(nmax));
  auto error_of = [&](float scale, float min) {
    const float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
    float err = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(inv * (x[i] - min)), 0, nmax);
      const float diff = scale * static_cast<float>(l) + min - x[i];
      err += w[i] * diff * diff;
    }
    return err;
  };
  constexpr int kCount = 21;
  // Candidate fits (scale, min), then their errors, each eight candidates at a time.
  float iscales[24], scales[24], mins[24], errs[24];
  int n_fit = 0;
  for (int c = 0; c < 24; ++c)
    iscales[c] = (-1.0f + 0.1f * static_cast<float>(std::min(c, kCount - 1)) + static_cast<float>(nmax)) / (mx - mn);
  const bool finite = all_finite(x, n);  // min/max elements bound every x then
  for (int base = 0; base < kCount; base += kLanes) {
    Vf iscale[kVecs], sl[kVecs]{}, sl2[kVecs]{}, sxl[kVecs]{};
    std::memcpy(iscale, iscales + base, sizeof(iscale));
    for (int i = 0; i < n; ++i)
      for (int g = 0; g < kVecs; ++g) {
        const Vf l = round_clamp(iscale[g] * (x[i] - mn), lo, hi);
        sl[g] += w[i] * l;
        sl2[g] += w[i] * l * l;
        sxl[g] += w[i] * l * x[i];
      }
    for (int k = 0; k < kLanes && base + k < kCount; ++k) {
      const int g = k / kWidth, lane = k % kWidth;
      float sum_l = sl[g][lane], sum_l2 = sl2[g][lane], sum_xl = sxl[g][lane];
      if (!(finite && in_fast_range(iscales[base + k] * (mx - mn)))) {  // x - mn is in [0, mx - mn]
        sum_l = sum_l2 = sum_xl = 0.0f;
        for (int i = 0; i < n; ++i) {
          const float l = static_cast<float>(std::clamp(nearest_int(iscales[base + k] * (x[i] - mn)), 0, nmax));
          sum_l += w[i] * l;
          sum_l2 += w[i] * l * l;
          sum_xl += w[i] * l * x[i];
        }
      }
      const float det = sum_w * sum_l2 - sum_l * sum_l;
      if (det <= 0.0f) continue;
      float scale = (sum_w * sum_xl - sum_x * sum_l) / det;
      float min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
      if (min > 0.0f) {
        min = 0.0f;
        scale = sum_l2 > 0.0f ? sum_xl / sum_l2 : 0.0f;
      }
      if (scale <= 0.0f) continue;
      scales[n_fit] = scale;
      mins[n_fit] = min;
      ++n_fit;
    }
  }
  for (int c = n_fit; c < 24; ++c) scales[c] = 1.0f, mins[c] = 0.0f;  // idle lanes
  for (int base = 0; base < n_fit; base += kLanes) {
    Vf scale[kVecs], min[kVecs], inv[kVecs], err[kVecs]{};
    std::memcpy(scale, scales + base, sizeof(scale));
    std::memcpy(min, mins + base, sizeof(min));
    for (int g = 0; g < kVecs; ++g) inv[g] = 1.0f / scale[g];  // scale > 0 in every fitted lane
    for (int i = 0; i < n; ++i)
      for (int g = 0; g < kVecs; ++g) {
        const Vf l = round_clamp(inv[g] * (x[i] - min[g]), lo, hi);
        const Vf diff = scale[g] * l + min[g] - x[i];
        err[g] += w[i] * diff * diff;
      }
    for (int k = 0; k < kLanes && base + k < n_fit; ++k) {
      const float inv_k = 1.0f / scales[base + k];
      const bool fast = finite && in_fast_range(inv_k * (x_min - mins[base + k])) &&
                        in_fast_range(inv_k * (mx - mins[base + k]));
      errs[base + k] = fast ? err[k / kWidth][k % kWidth] : error_of(scales[base + k], mins[base + k]);
    }
  }
  float best_scale = (mx - mn) / static_cast<float>(nmax), best_min = mn;
  float best_err = error_of(best_scale, best_min);
  for (int c = 0; c < n_fit; ++c)
    if (errs[c] < best_err) {
      best_err = errs[c];
      best_scale = scales[c];
      best_min = mins[c];
    }
  *offset = -best_min;
  return best_scale;
}

float mean_square(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return static_cast<float>(s / static_cast<double>(n));
}

enum class DefaultWeight { Square, AbsPlusRms, Abs };

void make_weights(const float* x, const float* importance, int n, float sigma2, DefaultWeight kind, float* w) {
  if (importance) {
    for (int i = 0; i < n; ++i) w[i] = importance[i] * std::sqrt(sigma2 + x[i] * x[i]);
    return;
  }
  const float rms = std::sqrt(mean_square(x, n));
  for (int i = 0; i < n; ++i)
    w[i] = kind == DefaultWeight::Square ? x[i] * x[i] : kind == DefaultWeight::Abs ? std::fabs(x[i]) : rms + std::fabs(x[i]);
}

// Affine super-block: n_sub sub-blocks of sub elements, levels [0, nmax], scales and offsets
// quantized to [0, smax]. Writes levels L[256], scale codes sc[], offset codes mc[], d, dmin.
void quantize_affine_superblock(const float* x, const float* w, int n_sub, int nmax, int smax, int* L,
                                uint8_t* sc, uint8_t* mc, uint16_t* d_out, uint16_t* dmin_out) {
  const int sub = kQKK / n_sub;
  float scales[16], offsets[16], max_scale = 0.0f, max_offset = 0.0f;
  for (int j = 0; j < n_sub; ++j) {
    scales[j] = fit_affine(x + j * sub, w + j * sub, sub, nmax, &offsets[j]);
    max_scale = std::max(max_scale, scales[j]);
    max_offset = std::max(max_offset, offsets[j]);
  }
  const float inv_scale = max_scale > 0.0f ? static_cast<float>(smax) / max_scale : 0.0f;
  const float inv_offset = max_offset > 0.0f ? static_cast<float>(smax) / max_offset : 0.0f;
  for (int j = 0; j < n_sub; ++j) {
    sc[j] = static_cast<uint8_t>(std::clamp(nearest_int(inv_scale * scales[j]), 0, smax));
    mc[j] = static_cast<uint8_t>(std::clamp(nearest_int(inv_offset * offsets[j]), 0, smax));
  }
  *d_out = to_fp16(max_scale / static_cast<float>(smax));
  *dmin_out = to_fp16(max_offset / static_cast<float>(smax));
  const float d = fp16(*d_out), dmin = fp16(*dmin_out);
  for (int j = 0; j < n_sub; ++j) {
    const float dl = d * static_cast<float>(sc[j]);
    const float dm = dmin * static_cast<float>(mc[j]);
    for (int i = 0; i < sub; ++i) {
      const int idx = j * sub + i;
      L[idx] = dl > 0.0f ? std::clamp(nearest_int((x[idx] + dm) / dl), 0, nmax) : 0;
    }
  }
}

// Symmetric super-block of 16 sub-blocks of 16: levels [-nmax, nmax-1], scales quantized to
// [-smax, smax - 1] with one scale d. Writes L[256], signed scale codes sc[16], d.
void quantize_symmetric_superblock(const float* x, const float* w, int nmax, int smax, int* L, int* sc,
                                   uint16_t* d_out) {
  float scales[16], amax = 0.0f, vmax = 0.0f;
  for (int j = 0; j < 16; ++j) {
    scales[j] = fit_symmetric(x + 16 * j, w + 16 * j, 16, nmax);
    if (std::fabs(scales[j]) > amax) {
      amax = std::fabs(scales[j]);
      vmax = scales[j];
    }
  }
  if (amax < 1e-30f) {
    std::fill(sc, sc + 16, 0);
    std::fill(L, L + kQKK, 0);
    *d_out = 0;
    return;
  }
  const float iscale = -static_cast<float>(smax) / vmax;
  for (int j = 0; j < 16; ++j) sc[j] = std::clamp(nearest_int(iscale * scales[j]), -smax, smax - 1);
  *d_out = to_fp16(1.0f / iscale);
  const float d = fp16(*d_out);
  for (int j = 0; j < 16; ++j) {
    const float dl = d * static_cast<float>(sc[j]);
    for (int i = 0; i < 16; ++i)
      L[16 * j + i] = dl != 0.0f ? std::clamp(nearest_int(x[16 * j + i] / dl), -nmax, nmax - 1) : 0;
  }
}

void pack_2bit(const int* L, uint8_t* qs) {  // inverse of the 2-bit unpacking in kquants.cpp
  std::memset(qs, 0, 64);
  for (int h = 0; h < 2; ++h)
    for (int s = 0; s < 4; ++s)
      for (int l = 0; l < 32; ++l) qs[h * 32 + l] = static_cast<uint8_t>(qs[h * 32 + l] | ((L[h * 128 + s * 32 + l] & 3) << (2 * s)));
}
void pack_4bit(const int* L, uint8_t* qs) {
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l)
      qs[c * 32 + l] = static_cast<uint8_t>((L[c * 64 + l] & 0xF) | ((L[c * 64 + 32 + l] & 0xF) << 4));
}
void pack_k4_scales(const uint8_t* sc, const uint8_t* mn, uint8_t* s) {
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
  }
}

template <class Block, class Body>
void for_each_superblock(const float* x, void* dst, int64_t n, const float* importance, DefaultWeight kind,
                         Body&& body) {
  auto* b = static_cast<Block*>(dst);
  float w[kQKK];
  int L[kQKK];
  for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    const float sigma2 = 2.0f * mean_square(x, kQKK);  // per super-block, as llama.cpp
    make_weights(x, importance ? importance + i * kQKK : nullptr, kQKK, sigma2, kind, w);
    std::memset(&b[i], 0, sizeof(Block));
    body(b[i], x, w, L);
  }
}

}  // namespace

void quantize_q2_k(const float* x, void* dst, int64_t n, const float* importance) {
  for_each_superblock<BlockQ2_K>(x, dst, n, importance, DefaultWeight::Abs,
                                 [](BlockQ2_K& b, const float* xs, const float* w, int* L) {
    uint8_t sc[16], mc[16];
    quantize_affine_superblock(xs, w, 16, 3, 15, L, sc, mc, &b.d, &b.dmin);
    for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<uint8_t>(sc[j] | (mc[j] << 4));
    pack_2bit(L, b.qs);
  });
}

void quantize_q3_k(const float* x, void* dst, int64_t n, const float* importance) {
  for_each_superblock<BlockQ3_K>(x, dst, n, importance, DefaultWeight::Square,
                                 [](BlockQ3_K& b, const float* xs, const float* w, int* L) {
    int sc[16];
    quantize_symmetric_superblock(xs, w, 4, 32, L, sc, &b.d);
    for (int j = 0; j < 16; ++j) {
      const int v = sc[j] + 32;
      if (j < 8) b.scales[j] = static_cast<uint8_t>(b.scales[j] | (v & 0xF));
      else b.scales[j - 8] = static_cast<uint8_t>(b.scales[j - 8] | ((v & 0xF) << 4));
      b.scales[8 + (j & 3)] = static_cast<uint8_t>(b.scales[8 + (j & 3)] | ((v >> 4) << (2 * (j >> 2))));
    }
    for (int i = 0; i < kQKK; ++i) {
      L[i] += 4;  // [0, 7]: bit 2 goes to hmask (set means "no -4 offset")
      if (L[i] > 3) b.hmask[i % 32] = static_cast<uint8_t>(b.hmask[i % 32] | (1 << (i / 32)));
    }
    pack_2bit(L, b.qs);
  });
}

void quantize_q4_k(const float* x, void* dst, int64_t n, const float* importance) {
  for_each_superblock<BlockQ4_K>(x, dst, n, importance, DefaultWeight::AbsPlusRms,
                                 [](BlockQ4_K& b, const float* xs, const float* w, int* L) {
    uint8_t sc[8], mc[8];
    quantize_affine_superblock(xs, w, 8, 15, 63, L, sc, mc, &b.d, &b.dmin);
    pack_k4_scales(sc, mc, b.scales);
    pack_4bit(L, b.qs);
  });
}

void quantize_q5_k(const float* x, void* dst, int64_t n, const float* importance) {
  for_each_superblock<BlockQ5_K>(x, dst, n, importance, DefaultWeight::AbsPlusRms,
                                 [](BlockQ5_K& b, const float* xs, const float* w, int* L) {
    uint8_t sc[8], mc[8];
    quantize_affine_superblock(xs, w, 8, 31, 63, L, sc, mc, &b.d, &b.dmin);
    pack_k4_scales(sc, mc, b.scales);
    for (int i = 0; i < kQKK; ++i)
      if (L[i] > 15) b.qh[i % 32] = static_cast<uint8_t>(b.qh[i % 32] | (1 << (i / 32)));
    pack_4bit(L, b.qs);
  });
}

void quantize_q6_k(const float* x, void* dst, int64_t n, const float* importance) {
  for_each_superblock<BlockQ6_K>(x, dst, n, importance, DefaultWeight::Square,
                                 [](BlockQ6_K& b, const float* xs, const float* w, int* L) {
    int sc[16];
    quantize_symmetric_superblock(xs, w, 32, 128, L, sc, &b.d);
    for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(std::min(sc[j], 127));
    for (int i = 0; i < kQKK; ++i) L[i] += 32;
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < 64; ++l)
        b.ql[h * 64 + l] = static_cast<uint8_t>((L[h * 128 + l] & 0xF) | ((L[h * 128 + 64 + l] & 0xF) << 4));
      for (int l = 0; l < 32; ++l) {
        int bits = 0;
        for (int s = 0; s < 4; ++s) bits |= (L[h * 128 + s * 32 + l] >> 4) << (2 * s);
        b.qh[h * 32 + l] = static_cast<uint8_t>(bits);
      }
    }
  });
}

}  // namespace hfcpp::quant
