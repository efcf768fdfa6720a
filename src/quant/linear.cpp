// quant::linear: activations quantized once per row to the weight's vec_dot_type, then outputs
// are block dots over weight rows streamed from where they lie (mmap or owned). Threads split N
// (weight rows), so each weight byte is read from memory once per call whatever M is. With several
// activation rows (prefill) a panel kernel computes kPanelRows x kPanelActs outputs at once over
// unpacked weights (most types; Q8_0 on AVX2: a kTileRows x kTileActs tile), over chunks of activation
// rows small enough to stay in cache while the task's weight rows pass.
#include <algorithm>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/quant/quant.h"
#include "quant/blocks/block_types.h"
#include "quant/linear_internal.h"

namespace hfcpp::quant {

namespace {

// Prefill through an unpacked-weight panel kernel: threads split the weight rows as below; within a
// task, chunks of activation panels small enough to stay in L2 meet kPanelRows weight rows at a time,
// unpacked (one byte per weight and the block scales, block_types.h) into an L1-sized buffer once per
// chunk. Unpacking them all up front instead, into an L2-sized buffer, ran 3.5x slower at 8 rows.
template <class ActBlock>
void linear_unpacked_panels(const UnpackedPanelKernel& kernel, size_t unpacked_block_bytes,
                            const std::vector<ActBlock>& panels, int64_t m, const QuantizedTensor& w, int64_t n_blocks,
                            float* y) {
  const int64_t n = w.rows();
  const size_t unpacked_row_bytes = unpacked_block_bytes * static_cast<size_t>(n_blocks);
  const int64_t n_panels = (m + kPanelActs - 1) / kPanelActs;
  const int64_t even_share = (n + core::num_threads() - 1) / core::num_threads();
  const int64_t grain = std::max<int64_t>(
      kPanelRows, std::min<int64_t>((int64_t{64} << 10) / std::max<size_t>(w.row_bytes(), 1), even_share));
  const int64_t panel_chunk =
      std::max<int64_t>(1, (int64_t{128} << 10) / static_cast<int64_t>(n_blocks * sizeof(ActBlock)));
  core::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<std::byte> unpacked;
    unpacked.resize(kPanelRows * unpacked_row_bytes);
    for (int64_t p0 = 0; p0 < n_panels; p0 += panel_chunk) {
      const int64_t p1 = std::min(n_panels, p0 + panel_chunk);
      for (int64_t r = begin; r < end; r += kPanelRows) {
        const int rows = static_cast<int>(std::min<int64_t>(kPanelRows, end - r));
        for (int i = 0; i < rows; ++i) kernel.unpack(w.row(r + i), w.cols(), unpacked.data() + i * unpacked_row_bytes);
        const std::byte* w_rows = unpacked.data();
        for (int64_t p = p0; p < p1; ++p) {
          const int acts = static_cast<int>(std::min<int64_t>(kPanelActs, m - p * kPanelActs));
          kernel.panel(n_blocks, w_rows, unpacked_row_bytes, rows,
                       reinterpret_cast<const std::byte*>(panels.data() + p * n_blocks), acts,
                       y + p * kPanelActs * n + r, static_cast<size_t>(n));
        }
      }
    }
  });
}

}  // namespace

void linear_f32(const float* x, int64_t m, const QuantizedTensor& w, float* y) {
  const BlockFormat* f = find_block_format(w.type());
  HFCPP_CHECK(f != nullptr && can_matmul(w.type()), ErrorCode::Unsupported,
              "[quant] linear: weight type {} is not supported", ggml_type_info(w.type()).name);
  const LinearTileFn tile_kernel = linear_tile_for(w.type(), core::active_isa());
  const UnpackedPanelKernel unpacked = unpacked_panel_for(w.type(), core::active_isa());
  if (unpacked.panel == nullptr && detail::use_dequant_gemm(m, w.type(), tile_kernel != nullptr))
    return detail::linear_dequant_gemm(x, m, w, y);
  if (m > 0 && m < kTileActs) {  // decode: balanced chunks, no allocation (linear_group.cpp)
    const QuantizedTensor* ws[] = {&w};
    float* ys[] = {y};
    return linear_group_f32(x, m, ws, ys);
  }
  const int64_t k = w.cols(), n = w.rows();
  const BlockFormat* act = find_block_format(f->vec_dot_type);
  const size_t act_row_bytes = static_cast<size_t>(ggml_row_bytes(act->type, static_cast<uint64_t>(k)));
  std::vector<std::byte> act_rows(act_row_bytes * static_cast<size_t>(m));
  const FromFloatFn quantize_act = act_quantizer_for(act->type, core::active_isa());
  core::parallel_for(0, m, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) quantize_act(x + i * k, act_rows.data() + i * act_row_bytes, k, nullptr);
  });
  if (unpacked.panel != nullptr) {
    if (act->type == GgmlType::Q8_K) {
      const int64_t n_blocks = k / kQKK;
      return linear_unpacked_panels(unpacked, sizeof(Unpacked256),
                                    build_act_panels_k(act_rows.data(), act_row_bytes, m, n_blocks), m, w, n_blocks, y);
    }
    const int64_t n_blocks = k / kQK;
    return linear_unpacked_panels(unpacked, sizeof(Unpacked32),
                                  build_act_panels(act->type, act_rows.data(), act_row_bytes, m, n_blocks), m, w,
                                  n_blocks, y);
  }

  const VecDotFn dot = vec_dot_for(w.type(), core::active_isa());
  const LinearTileFn tile = m >= kTileActs ? tile_kernel : nullptr;
  // ~64 KiB of weights per task keeps the pool busy without per-task overhead dominating.
  // No more than an even share per thread either: a 192-row k/v projection went 151 + 41 on 2 threads.
  const int64_t even_share = (n + core::num_threads() - 1) / core::num_threads();
  const int64_t grain = std::max<int64_t>(
      kTileRows, std::min<int64_t>((int64_t{64} << 10) / std::max<size_t>(w.row_bytes(), 1), even_share));
  // Activation rows per chunk: ~128 KiB, so they stay in L2 while the task's weight rows go by.
  const int64_t act_chunk =
      std::max<int64_t>(kTileActs, ((int64_t{128} << 10) / static_cast<int64_t>(std::max<size_t>(act_row_bytes, 1))) /
                                       kTileActs * kTileActs);
  const std::byte* acts = act_rows.data();
  core::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    if (!tile) {
      for (int64_t r = begin; r < end; ++r)
        for (int64_t i = 0; i < m; ++i) y[i * n + r] = dot(k, w.row(r), acts + i * act_row_bytes);
      return;
    }
    float out[kTileRows * kTileActs];
    for (int64_t i0 = 0; i0 < m; i0 += act_chunk) {
      const int64_t i1 = std::min(m, i0 + act_chunk);
      const int64_t i_tiled = i0 + (i1 - i0) / kTileActs * kTileActs;
      int64_t r = begin;
      for (; r + kTileRows <= end; r += kTileRows) {
        for (int64_t i = i0; i < i_tiled; i += kTileActs) {
          tile(k, w.row(r), w.row_bytes(), acts + i * act_row_bytes, act_row_bytes, out);
          for (int c = 0; c < kTileActs; ++c)
            for (int rr = 0; rr < kTileRows; ++rr) y[(i + c) * n + r + rr] = out[c * kTileRows + rr];
        }
        for (int64_t i = i_tiled; i < i1; ++i)
          for (int rr = 0; rr < kTileRows; ++rr) y[i * n + r + rr] = dot(k, w.row(r + rr), acts + i * act_row_bytes);
      }
      for (; r < end; ++r)
        for (int64_t i = i0; i < i1; ++i) y[i * n + r] = dot(k, w.row(r), acts + i * act_row_bytes);
    }
  });
}

tensor::Tensor linear(const tensor::Tensor& x, const QuantizedTensor& w, const tensor::Tensor* bias) {
  HFCPP_CHECK(x.dim() >= 1 && x.size(-1) == w.cols(), ErrorCode::InvalidArgument,
              "[quant] linear: x {} does not match weight [{}, {}]: expected last dimension {}",
              tensor::shape_to_string(x.shape()), w.rows(), w.cols(), w.cols());
  const tensor::Tensor x32 = x.to(tensor::DType::F32).contiguous();
  const int64_t m = x32.numel() / std::max<int64_t>(w.cols(), 1);
  tensor::Shape out_shape = x.shape();
  out_shape.back() = w.rows();
  tensor::Tensor y = tensor::Tensor::empty(out_shape, tensor::DType::F32);
  float* yd = y.mutable_data<float>();
  if (m > 0 && w.rows() > 0) linear_f32(x32.data<float>(), m, w, yd);
  if (bias) {
    HFCPP_CHECK(bias->dim() == 1 && bias->size(0) == w.rows(), ErrorCode::InvalidArgument,
                "[quant] linear: bias {} expected [{}]", tensor::shape_to_string(bias->shape()), w.rows());
    const std::vector<float> b = bias->to_float_vector();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t r = 0; r < w.rows(); ++r) yd[i * w.rows() + r] += b[static_cast<size_t>(r)];
  }
  return y;
}

}  // namespace hfcpp::quant
