// AVX-512 VNNI prefill panels over unpacked weights (the loops: linear_unpacked_impl.h): each group's
// 4 products per lane go straight into int32 with one vpdpbusd (256-bit, AVX512VL), the same exact
// block sums as the AVX2 maddubs path, and bytes up to 255 are fine.
#include "quant/isa/avx2/linear_unpacked_impl.h"

namespace hfcpp::quant::avx512vnni {
namespace {

struct DpbusdDot {
  static __m256i add(bool first, __m256i acc, __m256i u, __m256i a) {
    return _mm256_dpbusd_epi32(first ? _mm256_setzero_si256() : acc, u, a);
  }
  static __m256i finish(__m256i acc) { return acc; }
  static constexpr int run_length(int) { return 8; }
  static constexpr bool kFullBytes = true;
};

}  // namespace

UnpackedPanelKernel unpacked_panel(GgmlType type) { return unpacked_detail::kernel_for<DpbusdDot>(type); }

}  // namespace hfcpp::quant::avx512vnni
