// AVX2 prefill panels over unpacked weights (the loops: linear_unpacked_impl.h). Unpacked bytes must
// stay <= 63 here (maddubs pairs), so Q8_0 and the IQ4 types (code book + 128) have no AVX2 panel.
#include "quant/isa/avx2/linear_unpacked_impl.h"

namespace hfcpp::quant::avx2 {
namespace {

// Unpacked panels: a group's 4 products as two int16 pairs (maddubs cannot saturate: u <= 63), summed in
// int16 over run_length groups (each pair at most 2 * max_u * 128) before one vpmaddwd widens them.
struct MaddubsDot {
  static __m256i add(bool first, __m256i acc, __m256i u, __m256i a) {
    const __m256i t = _mm256_maddubs_epi16(u, a);
    return first ? t : _mm256_add_epi16(acc, t);
  }
  static __m256i finish(__m256i acc) { return _mm256_madd_epi16(acc, _mm256_set1_epi16(1)); }
  static constexpr int run_length(int max_u) { return 32767 / (2 * max_u * 128) < 8 ? 32767 / (2 * max_u * 128) : 8; }
  static constexpr bool kFullBytes = false;
};

}  // namespace

UnpackedPanelKernel unpacked_panel(GgmlType type) { return unpacked_detail::kernel_for<MaddubsDot>(type); }

}  // namespace hfcpp::quant::avx2
