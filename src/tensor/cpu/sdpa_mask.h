// Which keys a query may see and what the user mask adds, shared by the fused and the reference
// SDPA so both apply exactly the same rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "tensor/backend.h"

namespace hfcpp::tensor::cpu {

// Reads params.mask / params.key_padding through their (expanded) strides.
struct SdpaMaskView {
  const float* add = nullptr;    // additive F32 mask, or
  const uint8_t* keep = nullptr; // boolean mask (nonzero = attend)
  int64_t ms[4] = {0, 0, 0, 0};
  const uint8_t* pad = nullptr;  // key padding [B, Lk] as Bool
  int64_t ps[2] = {0, 0};
  bool causal = false;
  int64_t past = 0, window = 0;

  explicit SdpaMaskView(const SdpaParams& p) : causal(p.causal), past(p.past), window(p.window) {
    if (p.mask.defined()) {
      if (p.mask_is_bool) keep = static_cast<const uint8_t*>(p.mask.raw_data());
      else add = p.mask.data<float>();
      for (int d = 0; d < 4; ++d) ms[d] = p.mask.strides()[d];
    }
    if (p.key_padding.defined()) {
      pad = static_cast<const uint8_t*>(p.key_padding.raw_data());
      ps[0] = p.key_padding.strides()[0];
      ps[1] = p.key_padding.strides()[1];
    }
  }
  // Keys [lo, hi) that causal and window rules allow for query i.
  void key_range(int64_t i, int64_t lk, int64_t* lo, int64_t* hi) const {
    const int64_t pos = past + i;
    *hi = causal ? std::clamp<int64_t>(pos + 1, 0, lk) : lk;
    *lo = window > 0 ? std::clamp<int64_t>(pos - window + 1, 0, lk) : 0;
    if (*lo > *hi) *lo = *hi;
  }
  // Applies the user mask and key padding to score s of (b, h, i, j).
  float apply(float s, int64_t b, int64_t h, int64_t i, int64_t j) const {
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();
    if (pad && !pad[b * ps[0] + j * ps[1]]) return kNegInf;
    const int64_t off = b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3];
    if (keep) return keep[off] ? s : kNegInf;
    if (add) return s + add[off];
    return s;
  }
};

}  // namespace hfcpp::tensor::cpu
