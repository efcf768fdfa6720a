// The scalar SDPA composition: materialise scores = q k^T * scale for one (batch, head), apply
// softcap and the masks, softmax each row (double accumulation), multiply by v. Slow and plain on
// purpose: the oracle for the fused path and a fallback that is easy to trust.
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/sdpa_mask.h"

namespace hfcpp::tensor::cpu {

Tensor sdpa_reference_f32(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                          const SdpaParams& p) {
  const Tensor q = q_in.to(DType::F32).contiguous();
  const Tensor k = k_in.to(DType::F32).contiguous();
  const Tensor v = v_in.to(DType::F32).contiguous();
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Lk = k.size(2), group = H / Hkv;
  Tensor out = Tensor::zeros({B, H, Lq, D}, DType::F32);
  const float* pq = q.data<float>();
  const float* pk = k.data<float>();
  const float* pv = v.data<float>();
  float* po = out.mutable_data<float>();
  const SdpaMaskView mask(p);
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  std::vector<double> scores(Lk);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t hk = h / group;
      for (int64_t i = 0; i < Lq; ++i) {
        const float* qi = pq + ((b * H + h) * Lq + i) * D;
        int64_t lo, hi;
        mask.key_range(i, Lk, &lo, &hi);
        double m = kNegInf;
        for (int64_t j = 0; j < Lk; ++j) {
          if (j < lo || j >= hi) {
            scores[j] = kNegInf;
            continue;
          }
          const float* kj = pk + ((b * Hkv + hk) * Lk + j) * D;
          double s = 0;
          for (int64_t d = 0; d < D; ++d) s += static_cast<double>(qi[d]) * kj[d];
          float sf = static_cast<float>(s * p.scale);
          if (p.softcap > 0) sf = static_cast<float>(p.softcap * std::tanh(static_cast<double>(sf) / p.softcap));
          scores[j] = mask.apply(sf, b, h, i, j);
          m = std::max(m, scores[j]);
        }
        if (m == kNegInf) continue;  // fully masked row: zeros
        double total = 0;
        for (int64_t j = 0; j < Lk; ++j) {
          scores[j] = std::exp(scores[j] - m);
          total += scores[j];
        }
        float* oi = po + ((b * H + h) * Lq + i) * D;
        for (int64_t d = 0; d < D; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < Lk; ++j) {
            if (scores[j] == 0) continue;
            acc += scores[j] * pv[((b * Hkv + hk) * Lk + j) * D + d];
          }
          oi[d] = static_cast<float>(acc / total);
        }
      }
    }
  }
  return out;
}

}  // namespace hfcpp::tensor::cpu
