// AVX-512 VNNI panel kernels for 4-bit weights (Q4_0, Q4_1) in prefill (the loop:
// linear_panel_impl.h): each group's 4 products per lane go straight into int32 with one vpdpbusd
// (256-bit, AVX512VL), the same exact block sums as the AVX2 maddubs path.
#include "quant/isa/avx2/linear_panel_impl.h"

namespace hfcpp::quant::avx512vnni {
namespace {

struct DpbusdGroupDot {
  __m256i sum32;
  void add(bool first, __m256i lo, __m256i act_low, __m256i hi, __m256i act_high) {
    sum32 = _mm256_dpbusd_epi32(first ? _mm256_setzero_si256() : sum32, lo, act_low);
    sum32 = _mm256_dpbusd_epi32(sum32, hi, act_high);
  }
  __m256i dot() const { return sum32; }
};

}  // namespace

void linear_panel_q4_0(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const ActPanelBlock* a,
                       int acts, float* y, size_t ldy) {
  panel_detail::panel<DpbusdGroupDot, false, BlockQ4_0>(n_blocks, w, w_stride, rows, a, acts, y, ldy);
}

void linear_panel_q4_1(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const ActPanelBlock* a,
                       int acts, float* y, size_t ldy) {
  panel_detail::panel<DpbusdGroupDot, true, BlockQ4_1>(n_blocks, w, w_stride, rows, a, acts, y, ldy);
}

}  // namespace hfcpp::quant::avx512vnni
