// build_act_panels / build_act_panels_k: the activation layouts of the prefill panel kernels (block_types.h).
#include <cstring>

#include "hfcpp/core/error.h"
#include "quant/blocks/block_types.h"

namespace hfcpp::quant {

std::vector<ActPanelBlock> build_act_panels(GgmlType act_type, const std::byte* rows, size_t row_bytes, int64_t m,
                                            int64_t n_blocks) {
  HFCPP_CHECK(act_type == GgmlType::Q8_0 || act_type == GgmlType::Q8_1, ErrorCode::Internal,
              "[quant] activation panels: got {}, expected Q8_0 or Q8_1", ggml_type_info(act_type).name);
  const int64_t n_panels = (m + kPanelActs - 1) / kPanelActs;
  std::vector<ActPanelBlock> panels(static_cast<size_t>(n_panels * n_blocks));  // value-initialised: zero rows
  for (int64_t i = 0; i < m; ++i) {
    const std::byte* row = rows + static_cast<size_t>(i) * row_bytes;
    const int c = static_cast<int>(i % kPanelActs);
    ActPanelBlock* panel = panels.data() + (i / kPanelActs) * n_blocks;
    for (int64_t b = 0; b < n_blocks; ++b) {
      const int8_t* qs;
      float d, s = 0.0f;
      if (act_type == GgmlType::Q8_0) {
        const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
        qs = blk.qs, d = tensor::f16_to_f32(blk.d);
      } else {
        const auto& blk = reinterpret_cast<const BlockQ8_1*>(row)[b];
        qs = blk.qs, d = blk.d, s = blk.s;
      }
      ActPanelBlock& p = panel[b];
      int32_t sum = 0;
      for (int g = 0; g < 8; ++g) {
        std::memcpy(p.qs[g][c], qs + 4 * g, 4);
        for (int j = 0; j < 4; ++j) sum += qs[4 * g + j];
      }
      p.d[c] = d, p.s[c] = s, p.sum8[c] = 8 * sum;
    }
  }
  return panels;
}

std::vector<ActPanelBlockK> build_act_panels_k(const std::byte* rows, size_t row_bytes, int64_t m, int64_t n_blocks) {
  const int64_t n_panels = (m + kPanelActs - 1) / kPanelActs;
  std::vector<ActPanelBlockK> panels(static_cast<size_t>(n_panels * n_blocks));  // value-initialised: zero rows
  for (int64_t i = 0; i < m; ++i) {
    const auto* row = reinterpret_cast<const BlockQ8_K*>(rows + static_cast<size_t>(i) * row_bytes);
    const int c = static_cast<int>(i % kPanelActs);
    ActPanelBlockK* panel = panels.data() + (i / kPanelActs) * n_blocks;
    for (int64_t b = 0; b < n_blocks; ++b) {
      ActPanelBlockK& p = panel[b];
      for (int g = 0; g < 64; ++g) std::memcpy(p.qs[g][c], row[b].qs + 4 * g, 4);
      for (int q = 0; q < 8; ++q) p.bsums[q][c][0] = row[b].bsums[2 * q], p.bsums[q][c][1] = row[b].bsums[2 * q + 1];
      p.d[c] = row[b].d;
    }
  }
  return panels;
}

}  // namespace hfcpp::quant
