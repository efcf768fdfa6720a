// Fused scaled dot-product attention on the CPU: for each (batch, head, query) row, keys are
// visited in blocks with an online softmax (running max and sum, rescaling the accumulator once
// per block), so no [Lq, Lk] score matrix is ever materialised. Dot products, exp and the
// weighted sums use the active ISA's vector kernels; rows are split over the thread pool.
#include <cmath>
#include <limits>

#include "hfcpp/core/thread_pool.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/row_access.h"
#include "tensor/cpu/sdpa_mask.h"

namespace hfcpp::tensor::cpu {

namespace {
constexpr int64_t kKeyBlock = 64;

// F32 with unit stride in the last dim: used in place; anything else is copied once.
Tensor as_f32_rows(const Tensor& t) {
  if (t.dtype() == DType::F32 && t.strides()[3] == 1) return t;
  return t.to(DType::F32).contiguous();
}
}  // namespace

Tensor CpuBackend::sdpa(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const SdpaParams& p) {
  const Tensor q = as_f32_rows(q_in), k = as_f32_rows(k_in), v = as_f32_rows(v_in);
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Lk = k.size(2), group = H / Hkv;
  Tensor out32 = Tensor::empty({B, H, Lq, D}, DType::F32);
  if (out32.numel() == 0) return out32.to(q_in.dtype());
  const float* pq = q.data<float>();
  const float* pk = k.data<float>();
  const float* pv = v.data<float>();
  float* po = out32.mutable_data<float>();
  const auto &qs = q.strides(), &ks = k.strides(), &vs = v.strides();
  const SdpaMaskView mask(p);
  const CpuKernels& kern = kernels();
  const float cap = p.softcap;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();

  core::parallel_for(0, B * H * Lq, std::max<int64_t>(1, 64 / std::max<int64_t>(1, Lk / 64)),
                     [&](int64_t lo, int64_t hi) {
    std::vector<float> scores(kKeyBlock);
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t i = row % Lq, h = (row / Lq) % H, b = row / (Lq * H);
      const int64_t hk = h / group;
      const float* qi = pq + b * qs[0] + h * qs[1] + i * qs[2];
      const float* kb = pk + b * ks[0] + hk * ks[1];
      const float* vb = pv + b * vs[0] + hk * vs[1];
      float* acc = po + row * D;
      std::fill(acc, acc + D, 0.0f);
      float m = kNegInf, l = 0.0f;
      int64_t j_lo, j_hi;
      mask.key_range(i, Lk, &j_lo, &j_hi);
      for (int64_t j0 = j_lo; j0 < j_hi; j0 += kKeyBlock) {
        const int64_t nb = std::min(kKeyBlock, j_hi - j0);
        float block_max = kNegInf;
        for (int64_t t = 0; t < nb; ++t) {
          float s = kern.dot(qi, kb + (j0 + t) * ks[2], D) * p.scale;
          if (cap > 0) s = cap * std::tanh(s / cap);
          s = mask.apply(s, b, h, i, j0 + t);
          scores[t] = s;
          block_max = std::max(block_max, s);
        }
        if (block_max == kNegInf) continue;  // every key in the block is masked
        const float m_new = std::max(m, block_max);
        if (m != kNegInf && m_new != m) {
          const float correction = std::exp(m - m_new);
          kern.scale(correction, acc, D);
          l *= correction;
        }
        m = m_new;
        kern.unary(UnaryOp::AddScalar, scores.data(), scores.data(), nb, -m);
        kern.unary(UnaryOp::Exp, scores.data(), scores.data(), nb, 0.0f);
        for (int64_t t = 0; t < nb; ++t) {
          if (scores[t] == 0.0f) continue;
          l += scores[t];
          kern.axpy(scores[t], vb + (j0 + t) * vs[2], acc, D);
        }
      }
      if (l > 0) kern.scale(1.0f / l, acc, D);  // l == 0: every key masked -> zeros
    }
  });
  return out32.to(q_in.dtype());
}

}  // namespace hfcpp::tensor::cpu
