// AVX-512 VNNI Q8_0 prefill tile (the loop: linear_tile_impl.h): one 256-bit vpdpbusd per 32
// products instead of maddubs + madd; the same int32 sums as the AVX2 tile.
#include "quant/isa/avx2/linear_tile_impl.h"

namespace hfcpp::quant::avx512vnni {
namespace {

struct DpbusdDot {
  static __m256i dot(__m256i u, __m256i s) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s); }
};

}  // namespace

void linear_tile_q8_0(int64_t k, const std::byte* w, size_t w_stride, const std::byte* a, size_t a_stride,
                      float* out) {
  tile_detail::tile_signed<DpbusdDot, BlockQ8_0>(k, w, w_stride, a, a_stride, out,
                                                 [](const BlockQ8_0& x) { return avx2::detail::load32(x.qs); });
}

}  // namespace hfcpp::quant::avx512vnni
