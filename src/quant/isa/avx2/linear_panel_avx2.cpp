// AVX2 panel kernels for 4-bit weights (Q4_0, Q4_1) in prefill (the loop: linear_panel_impl.h).
// A group's products are summed in int16 by maddubs and widened once per block: integer block sums
// are exact (|sum| <= 8 groups x 2 x 15 x 127 = 30480 fits int16); the f32 scaling is the vec_dot's,
// accumulated across blocks in a different order.
#include "quant/isa/avx2/linear_panel_impl.h"

namespace hfcpp::quant::avx2 {
namespace {

struct MaddubsGroupDot {
  __m256i sum16;
  void add(bool first, __m256i lo, __m256i act_low, __m256i hi, __m256i act_high) {
    const __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(lo, act_low), _mm256_maddubs_epi16(hi, act_high));
    sum16 = first ? s : _mm256_add_epi16(sum16, s);
  }
  __m256i dot() const { return _mm256_madd_epi16(sum16, _mm256_set1_epi16(1)); }
};

}  // namespace

void linear_panel_q4_0(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const ActPanelBlock* a,
                       int acts, float* y, size_t ldy) {
  panel_detail::panel<MaddubsGroupDot, false, BlockQ4_0>(n_blocks, w, w_stride, rows, a, acts, y, ldy);
}

void linear_panel_q4_1(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const ActPanelBlock* a,
                       int acts, float* y, size_t ldy) {
  panel_detail::panel<MaddubsGroupDot, true, BlockQ4_1>(n_blocks, w, w_stride, rows, a, acts, y, ldy);
}

}  // namespace hfcpp::quant::avx2
