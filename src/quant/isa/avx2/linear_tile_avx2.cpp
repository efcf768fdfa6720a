// AVX2 tile for Q8_0 weights in quant::linear with several activation rows (prefill; the 4-bit types
// have panel kernels, linear_panel_avx2.cpp): 2 weight rows x 4 activation rows per call, so each weight block is unpacked once for 4 activations and each
// activation block loaded once for 2 weight rows (the single-row vec_dot unpacks a weight block
// once per activation). Same integer block dots and f32 scaling as vec_dot_avx2.cpp; sums are
// accumulated in a different order, so results differ from vec_dot by f32 rounding only.
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::avx2 {
namespace {

using namespace detail;

// unsigned x signed int8, 32 lanes -> 8 f32 sums.
inline __m256 dot_u8_i8(__m256i u, __m256i s) {
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
}

constexpr int kRows = 2, kActs = 4;

// Signed weights (Q8_0) x Q8_0 activations: |w| . sign(w)*a as in dot_i8.
template <class Block, class Unpack>
void tile_signed(int64_t k, const std::byte* w, size_t w_stride, const std::byte* a, size_t a_stride, float* out,
                 Unpack unpack) {
  __m256 acc[kRows][kActs];
  for (auto& row : acc)
    for (auto& v : row) v = _mm256_setzero_ps();
  for (int64_t b = 0; b < k / kQK; ++b) {
    __m256i wabs[kRows], wsign[kRows];
    float dw[kRows];
    for (int r = 0; r < kRows; ++r) {
      const Block& x = reinterpret_cast<const Block*>(w + static_cast<size_t>(r) * w_stride)[b];
      const __m256i q = unpack(x);
      wabs[r] = _mm256_sign_epi8(q, q);
      wsign[r] = q;
      dw[r] = half(x.d);
    }
    for (int c = 0; c < kActs; ++c) {
      const BlockQ8_0& y = reinterpret_cast<const BlockQ8_0*>(a + static_cast<size_t>(c) * a_stride)[b];
      const __m256i yv = load32(y.qs);
      const float dy = half(y.d);
      for (int r = 0; r < kRows; ++r)
        acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * dy), dot_u8_i8(wabs[r], _mm256_sign_epi8(yv, wsign[r])),
                                    acc[r][c]);
    }
  }
  for (int c = 0; c < kActs; ++c)
    for (int r = 0; r < kRows; ++r) out[c * kRows + r] = hsum(acc[r][c]);
}

}  // namespace

void linear_tile_q8_0(int64_t k, const std::byte* w, size_t w_stride, const std::byte* a, size_t a_stride,
                      float* out) {
  tile_signed<BlockQ8_0>(k, w, w_stride, a, a_stride, out, [](const BlockQ8_0& x) { return load32(x.qs); });
}

}  // namespace hfcpp::quant::avx2
