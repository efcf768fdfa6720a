// AVX2 tile for Q8_0 weights in quant::linear with several activation rows (prefill; the 4-bit types
// have panel kernels, linear_panel_avx2.cpp): 2 weight rows x 4 activation rows per call, so each weight block is unpacked once for 4 activations and each
// activation block loaded once for 2 weight rows (the single-row vec_dot unpacks a weight block
// once per activation). Same integer block dots and f32 scaling as vec_dot_avx2.cpp; sums are
// accumulated in a different order, so results differ from vec_dot by f32 rounding only. The loop:
// linear_tile_impl.h.
#include "quant/isa/avx2/linear_tile_impl.h"

namespace hfcpp::quant::avx2 {
namespace {

struct MaddubsDot {
  static __m256i dot(__m256i u, __m256i s) { return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)); }
};

}  // namespace

void linear_tile_q8_0(int64_t k, const std::byte* w, size_t w_stride, const std::byte* a, size_t a_stride,
                      float* out) {
  tile_detail::tile_signed<MaddubsDot, BlockQ8_0>(k, w, w_stride, a, a_stride, out,
                                                  [](const BlockQ8_0& x) { return detail::load32(x.qs); });
}

}  // namespace hfcpp::quant::avx2
