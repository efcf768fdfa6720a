// quant::linear for many activation rows on weight types without an integer tile kernel (K-quants,
// IQ types, ...): each task dequantizes a panel of weight rows to f32 and multiplies it with all
// activation rows through the f32 GEMM kernel. The dequantization is paid once per weight row
// whatever m is, and the arithmetic runs at f32 GEMM speed; the per-pair vec_dot path instead
// unpacks every weight block once per activation row. Activations stay f32 (not quantized to the
// weight's vec_dot_type), so results are at least as close to the f32 model as the vec_dot path.
#include <algorithm>
#include <vector>

#include "hfcpp/core/thread_pool.h"
#include "hfcpp/quant/quant.h"
#include "quant/blocks/block_types.h"
#include "quant/linear_internal.h"
#include "tensor/cpu/gemm.h"

namespace hfcpp::quant::detail {

void linear_dequant_gemm(const float* x, int64_t m, const QuantizedTensor& w, float* y) {
  const BlockFormat* f = find_block_format(w.type());
  const int64_t k = w.cols(), n = w.rows();
  // ~192 KiB of f32 weights per panel, so the panel stays in L2 while the GEMM packs it.
  const int64_t panel_rows = std::clamp<int64_t>((int64_t{192} << 10) / (4 * std::max<int64_t>(k, 1)) / 16 * 16, 16, 256);
  const int64_t even_share = (n + core::num_threads() - 1) / core::num_threads();
  const int64_t grain = std::min(panel_rows, std::max<int64_t>(even_share, 1));
  core::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> panel;
    for (int64_t r0 = begin; r0 < end; r0 += panel_rows) {
      const int64_t rows = std::min(panel_rows, end - r0);
      panel.resize(static_cast<size_t>(rows * k));
      for (int64_t r = 0; r < rows; ++r) f->to_float(w.row(r0 + r), panel.data() + r * k, k);
      tensor::cpu::GemmArgs g;
      g.m = m, g.n = rows, g.k = k;
      g.a = x, g.lda = k;
      g.b = panel.data(), g.ldb = k, g.trans_b = true;
      g.c = y + r0, g.ldc = n;
      tensor::cpu::gemm_on_this_thread(g, /*weight_rows_ok=*/true);
    }
  });
}

bool use_dequant_gemm(int64_t m, GgmlType type, bool has_integer_kernel) {
  if (m < 32) return false;
  // Without an integer kernel, vec_dot per (row, activation) pair unpacks each weight block m times: at
  // 32 rows a panel dequantization (about the cost of a few block dots per block) is far cheaper.
  // SmolLM2 Q4_K_M prefill, 1 thread: 82 -> 187 tokens/s.
  if (!has_integer_kernel) return true;
  // Q8_0's 2 x 4 integer tile does ~7 instructions per 32 products and output; dequantizing is nearly
  // a copy, and the f32 weight-rows GEMM is faster: SmolLM2 Q8_0 512-token prefill, 1 thread, CPU time
  // 5.4-5.9 s against 6.2-7.1 s with the tile (2026-11-29, loaded machine, 3 alternating runs). The
  // 4-bit panel kernels stay ahead of dequantizing (Q4_0: 3.9-4.2 s against 5.5-5.7 s).
  return type == GgmlType::Q8_0;
}

}  // namespace hfcpp::quant::detail
