// Fused scaled dot-product attention on the CPU, two ways:
// - few queries (decode): for each (batch, head, query) row, keys are visited in blocks with an
//   online softmax (running max and sum, rescaling the accumulator once per block), so no score
//   matrix is materialised; dot products, exp and weighted sums use the ISA's vector kernels.
// - a prompt or an encoder batch: per (batch, head) and tile of query rows, the tile's scores are
//   one small GEMM (Q K^T), softmaxed row by row, then multiplied by V as a second GEMM, on the
//   task's thread. One dot product per key and query spent most of its time in horizontal sums
//   (head_dim 32-128); the GEMM kernels keep the FMA units busy instead. A tile holds at most
//   ~1 MiB of scores whatever the key length.
// - decode without a user mask: the GQA-group kernel (decode_attention.h) reads each key and
//   value row once for all query heads sharing it, straight from an f16 or f32 cache; when there
//   are fewer (batch, kv head) rows than a few per thread, long key ranges are split across
//   threads and the partial softmaxes merged (SmolLM2's 3 kv heads on 2 threads: 2 + 1 before).
// Work is split over the thread pool either way.
#include <cmath>
#include <limits>

#include <algorithm>
#include <vector>

#include "hfcpp/core/thread_pool.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/decode_attention.h"
#include "tensor/cpu/gemm.h"
#include "tensor/cpu/row_access.h"
#include "tensor/cpu/sdpa_mask.h"

namespace hfcpp::tensor::cpu {

namespace {
constexpr int64_t kKeyBlock = 64;
// Query rows from which the GEMM tiles pay off, and the score budget of one tile (floats).
constexpr int64_t kTiledMinQueries = 8;
constexpr int64_t kTileMaxRows = 64, kTileScoreFloats = int64_t{1} << 18;

// F32 with unit stride in the last dim: used in place; anything else is copied once.
Tensor as_f32_rows(const Tensor& t) {
  if (t.dtype() == DType::F32 && t.strides()[3] == 1) return t;
  return t.to(DType::F32).contiguous();
}
// The tiled path (see the file comment); same masking rules and results within float rounding.
void sdpa_tiled(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaParams& p, float* po) {
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Lk = k.size(2), group = H / Hkv;
  const auto &qs = q.strides(), &ks = k.strides(), &vs = v.strides();
  const SdpaMaskView mask(p);
  const CpuKernels& kern = kernels();
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const int64_t tile = std::clamp<int64_t>(kTileScoreFloats / std::max<int64_t>(Lk, 1), 1, kTileMaxRows);
  const int64_t tiles = (Lq + tile - 1) / tile;
  core::parallel_for(0, B * H * tiles, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> scores, key_bias;
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t t = task % tiles, h = (task / tiles) % H, b = task / (tiles * H), hk = h / group;
      const int64_t i0 = t * tile, i1 = std::min(Lq, i0 + tile), rows = i1 - i0;
      float* out = po + ((b * H + h) * Lq + i0) * D;
      // Keys any row of the tile may see; each row's own range is applied below.
      int64_t u_lo = Lk, u_hi = 0;
      for (int64_t i = i0; i < i1; ++i) {
        int64_t j_lo, j_hi;
        mask.key_range(i, Lk, &j_lo, &j_hi);
        if (j_lo < j_hi) u_lo = std::min(u_lo, j_lo), u_hi = std::max(u_hi, j_hi);
      }
      if (u_lo >= u_hi) {
        std::fill(out, out + rows * D, 0.0f);
        continue;
      }
      const int64_t n = u_hi - u_lo;
      scores.resize(static_cast<size_t>(rows * n));
      GemmArgs qk;
      qk.m = rows, qk.n = n, qk.k = D;
      qk.a = q.data<float>() + b * qs[0] + h * qs[1] + i0 * qs[2], qk.lda = qs[2];
      qk.b = k.data<float>() + b * ks[0] + hk * ks[1] + u_lo * ks[2], qk.ldb = ks[2], qk.trans_b = true;
      qk.c = scores.data(), qk.ldc = n, qk.alpha = p.scale;
      gemm_on_this_thread(qk);
      // Without a user mask or softcap, key padding is one additive row for the whole tile.
      const bool padding_only = mask.add == nullptr && mask.keep == nullptr && !(p.softcap > 0);
      if (padding_only && mask.pad != nullptr) {
        key_bias.resize(static_cast<size_t>(n));
        for (int64_t j = u_lo; j < u_hi; ++j)
          key_bias[j - u_lo] = mask.pad[b * mask.ps[0] + j * mask.ps[1]] ? 0.0f : kNegInf;
      }
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = i0 + r;
        float* srow = scores.data() + r * n;
        int64_t j_lo, j_hi;
        mask.key_range(i, Lk, &j_lo, &j_hi);
        j_lo = std::clamp(j_lo, u_lo, u_hi), j_hi = std::clamp(j_hi, j_lo, u_hi);
        std::fill(srow, srow + (j_lo - u_lo), kNegInf);
        std::fill(srow + (j_hi - u_lo), srow + n, kNegInf);
        if (padding_only) {
          if (mask.pad != nullptr && j_hi > j_lo)
            kern.binary(BinaryOp::Add, srow + (j_lo - u_lo), 1, key_bias.data() + (j_lo - u_lo), 1,
                        srow + (j_lo - u_lo), j_hi - j_lo);
        } else {
          for (int64_t j = j_lo; j < j_hi; ++j) {
            float sc = srow[j - u_lo];
            if (p.softcap > 0) sc = p.softcap * std::tanh(sc / p.softcap);
            srow[j - u_lo] = mask.apply(sc, b, h, i, j);
          }
        }
        const float m = kern.max(srow, n);
        if (m == kNegInf) {  // every key masked -> zeros, as the row path gives
          std::fill(srow, srow + n, 0.0f);
          continue;
        }
        kern.unary(UnaryOp::AddScalar, srow, srow, n, -m);
        kern.unary(UnaryOp::Exp, srow, srow, n, 0.0f);
        kern.scale(1.0f / kern.sum(srow, n), srow, n);
      }
      GemmArgs pv;
      pv.m = rows, pv.n = D, pv.k = n;
      pv.a = scores.data(), pv.lda = n;
      pv.b = v.data<float>() + b * vs[0] + hk * vs[1] + u_lo * vs[2], pv.ldb = vs[2];
      pv.c = out, pv.ldc = D;
      gemm_on_this_thread(pv);
    }
  });
}

// Keys per split below which a (batch, kv head, query) row is not split across threads.
constexpr int64_t kMinKeysPerSplit = 128;

// K/V for the decode kernel: f32 or f16 rows with unit last stride are read in place.
Tensor as_decode_rows(const Tensor& t) {
  if ((t.dtype() == DType::F32 || t.dtype() == DType::F16) && t.strides()[3] == 1) return t;
  return t.to(DType::F32).contiguous();
}

// The GQA-group decode path (see the file comment); q is f32 with unit last stride.
void sdpa_decode_groups(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaParams& p, float* po) {
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Lk = k.size(2), G = H / Hkv;
  const auto &qs = q.strides(), &ks = k.strides(), &vs = v.strides();
  const bool f16 = k.dtype() == DType::F16;
  const size_t elem = f16 ? 2 : 4;
  const auto* kbase = static_cast<const uint8_t*>(k.raw_data());
  const auto* vbase = static_cast<const uint8_t*>(v.raw_data());
  const SdpaMaskView mask(p);
  const DecodeGroupFn kernel = decode_group_kernel(core::active_isa());
  const int64_t units = B * Hkv * Lq, threads = core::num_threads();
  int64_t splits = 1;
  if (threads > 1 && units % threads != 0 && units < 4 * threads)
    splits = std::clamp<int64_t>(Lk / kMinKeysPerSplit, 1, threads);
  const int64_t tasks = units * splits;
  std::vector<float> acc(static_cast<size_t>(tasks * G * D)), stats(static_cast<size_t>(tasks * G * 2));
  core::parallel_for(0, tasks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t split = task % splits, unit = task / splits;
      const int64_t i = unit % Lq, hk = (unit / Lq) % Hkv, b = unit / (Lq * Hkv);
      int64_t j_lo, j_hi;
      mask.key_range(i, Lk, &j_lo, &j_hi);
      const int64_t n = j_hi - j_lo, j0 = j_lo + n * split / splits, j1 = j_lo + n * (split + 1) / splits;
      DecodeGroupArgs a;
      a.q = q.data<float>() + b * qs[0] + hk * G * qs[1] + i * qs[2];
      a.q_stride = qs[1];
      a.heads = G;
      a.k = kbase + static_cast<size_t>(b * ks[0] + hk * ks[1] + j0 * ks[2]) * elem;
      a.v = vbase + static_cast<size_t>(b * vs[0] + hk * vs[1] + j0 * vs[2]) * elem;
      a.k_stride = ks[2], a.v_stride = vs[2];
      a.f16 = f16;
      a.keys = j1 - j0;
      a.head_dim = D;
      a.scale = p.scale;
      a.softcap = p.softcap;
      if (mask.pad != nullptr) a.keep = mask.pad + b * mask.ps[0] + j0 * mask.ps[1], a.keep_stride = mask.ps[1];
      a.acc = acc.data() + task * G * D;
      a.row_max = stats.data() + task * G * 2;
      a.row_sum = a.row_max + G;
      kernel(a);
    }
  });
  for (int64_t unit = 0; unit < units; ++unit) {
    const int64_t i = unit % Lq, hk = (unit / Lq) % Hkv, b = unit / (Lq * Hkv);
    for (int64_t g = 0; g < G; ++g) {
      const int64_t t0 = unit * splits;
      merge_decode_partials(acc.data() + (t0 * G + g) * D, G * D, stats.data() + t0 * G * 2 + g,
                            stats.data() + t0 * G * 2 + G + g, G * 2, splits, D,
                            po + ((b * H + hk * G + g) * Lq + i) * D);
    }
  }
}

}  // namespace

Tensor CpuBackend::sdpa(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const SdpaParams& p) {
  if (q_in.size(2) < kTiledMinQueries && !p.mask.defined() && q_in.numel() > 0) {
    const Tensor q = as_f32_rows(q_in);
    Tensor out32 = Tensor::empty(q.shape(), DType::F32);
    sdpa_decode_groups(q, as_decode_rows(k_in), as_decode_rows(v_in), p, out32.mutable_data<float>());
    return out32.to(q_in.dtype());
  }
  const Tensor q = as_f32_rows(q_in), k = as_f32_rows(k_in), v = as_f32_rows(v_in);
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Lk = k.size(2), group = H / Hkv;
  Tensor out32 = Tensor::empty({B, H, Lq, D}, DType::F32);
  if (out32.numel() == 0) return out32.to(q_in.dtype());
  const float* pq = q.data<float>();
  const float* pk = k.data<float>();
  const float* pv = v.data<float>();
  float* po = out32.mutable_data<float>();
  if (Lq >= kTiledMinQueries) {
    sdpa_tiled(q, k, v, p, po);
    return out32.to(q_in.dtype());
  }
  const auto &qs = q.strides(), &ks = k.strides(), &vs = v.strides();
  const SdpaMaskView mask(p);
  const CpuKernels& kern = kernels();
  const float cap = p.softcap;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();

  // ~64 x 64 keys per chunk; once there are more than ~1000 keys in all (~10 us), no more than an even
  // share per thread either: decode's 9 heads over 600 keys went 7 + 2 on 2 threads.
  const int64_t rows = B * H * Lq, threads = core::num_threads();
  int64_t grain = std::max<int64_t>(1, 64 / std::max<int64_t>(1, Lk / 64));
  if (rows * Lk >= 1024) grain = std::min(grain, (rows + threads - 1) / threads);
  core::parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
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
        for (int64_t t = 0; t < nb; ++t)
          if (scores[t] != 0.0f) l += scores[t];
        kern.axpy_rows(scores.data(), vb + j0 * vs[2], vs[2], acc, nb, D);
      }
      if (l > 0) kern.scale(1.0f / l, acc, D);  // l == 0: every key masked -> zeros
    }
  });
  return out32.to(q_in.dtype());
}

}  // namespace hfcpp::tensor::cpu
