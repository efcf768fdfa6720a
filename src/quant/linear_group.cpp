// quant::linear_group_f32: the decode step's linears (fewer activation rows than a prefill tile).
// Several weight matrices that read the same input (q/k/v, gate/up) are one pool dispatch over
// their concatenated rows, and the input is quantized to the vec_dot_type once for all of them.
// A decode step is ~200 small GEMVs, so the per-dispatch cost (wake, claim, join) and the
// slower thread's tail at each join add up; fewer, larger dispatches cut both. Every output is
// the same vec_dot of the same quantized activation row as linear_f32's, so results are
// bit-identical to separate calls.
#include <algorithm>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/quant/quant.h"
#include "quant/blocks/block_types.h"

namespace hfcpp::quant {

namespace {

// Rows per pool chunk for n rows of row_bytes each: at most ~64 KiB of weights per chunk (big enough
// that claiming one costs nothing, small enough that a late thread's share is taken over), and a
// chunk count that is a multiple of the thread count, so no thread is left with one extra chunk at the
// join (576 rows as 182 + 182 + 182 + 30 ran 364 rows on one thread and 212 on the other).
int64_t balanced_grain(int64_t n, size_t row_bytes) {
  const int64_t threads = core::num_threads();
  const int64_t max_rows = std::max<int64_t>(1, (int64_t{64} << 10) / static_cast<int64_t>(std::max<size_t>(row_bytes, 1)));
  const int64_t even_share = (n + threads - 1) / threads;
  const int64_t chunks_per_thread = (even_share + max_rows - 1) / max_rows;
  return std::max<int64_t>(1, (n + threads * chunks_per_thread - 1) / (threads * chunks_per_thread));
}

}  // namespace

void linear_group_f32(const float* x, int64_t m, std::span<const QuantizedTensor* const> ws,
                      std::span<float* const> ys) {
  HFCPP_CHECK(ws.size() == ys.size() && !ws.empty(), ErrorCode::InvalidArgument,
              "[quant] linear_group: {} weights for {} outputs: expected the same number, at least one", ws.size(),
              ys.size());
  const QuantizedTensor& w0 = *ws[0];
  bool fusable = m > 0 && m < kTileActs;
  for (const QuantizedTensor* w : ws) fusable = fusable && w->type() == w0.type() && w->cols() == w0.cols();
  const BlockFormat* f = find_block_format(w0.type());
  if (!fusable || f == nullptr || !can_matmul(w0.type())) {
    for (size_t j = 0; j < ws.size(); ++j) linear_f32(x, m, *ws[j], ys[j]);
    return;
  }
  const int64_t k = w0.cols();
  const BlockFormat* act = find_block_format(f->vec_dot_type);
  const size_t act_row_bytes = static_cast<size_t>(ggml_row_bytes(act->type, static_cast<uint64_t>(k)));
  // Decode runs this ~100 times a step: the quantized rows live in a per-thread buffer, not a fresh vector.
  thread_local std::vector<std::byte> act_rows;
  act_rows.resize(act_row_bytes * static_cast<size_t>(m));
  const FromFloatFn quantize_act = act_quantizer_for(act->type, core::active_isa());
  for (int64_t i = 0; i < m; ++i) quantize_act(x + i * k, act_rows.data() + i * act_row_bytes, k, nullptr);

  // first_row[j]: where weight j's rows start in the concatenation.
  std::vector<int64_t> first_row(ws.size() + 1, 0);
  for (size_t j = 0; j < ws.size(); ++j) first_row[j + 1] = first_row[j] + ws[j]->rows();
  const int64_t total = first_row.back();
  const VecDotFn dot = vec_dot_for(w0.type(), core::active_isa());
  const std::byte* acts = act_rows.data();
  core::parallel_for(0, total, balanced_grain(total, w0.row_bytes()), [&](int64_t begin, int64_t end) {
    size_t j = 0;
    while (first_row[j + 1] <= begin) ++j;
    for (int64_t r = begin; r < end;) {
      const QuantizedTensor& w = *ws[j];
      float* y = ys[j];
      const int64_t n = w.rows(), stop = std::min(end, first_row[j + 1]);
      for (; r < stop; ++r) {
        const int64_t local = r - first_row[j];
        for (int64_t i = 0; i < m; ++i) y[i * n + local] = dot(k, w.row(local), acts + i * act_row_bytes);
      }
      ++j;
    }
  });
}

}  // namespace hfcpp::quant
