// AVX2 dot products (compiled with -mavx2 -mfma -mf16c; called only after run-time detection).
// Same arithmetic as the scalar kernels in blocks/: integer block dots, f32 scaling.
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"
#include "quant/isa/avx2/vec_dot_table.h"

namespace hfcpp::quant::avx2 {

using namespace detail;

namespace {
struct Avx2Dot {
  static __m256i i8(__m256i x, __m256i y) { return dot_i8(x, y); }
  static __m256i u8(__m256i x, __m256i y) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(x, y), _mm256_set1_epi16(1));
  }
  static __m256i scaled_add(__m256i acc, __m256i pairs, __m256i scale) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scale));
  }
};

float q6_k(int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  const __m256i k32 = _mm256_set1_epi8(32);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    __m256i acc = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      __m256i q[4];
      q6_k_half(x[i].ql, x[i].qh, h, q);
      for (int s = 0; s < 4; ++s) {
        const __m256i yv = load32(y[i].qs + 128 * h + 32 * s);
        // (q - 32) . y = q . y - 32 * sum(y), both as int16 pairs.
        const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[s], yv), _mm256_maddubs_epi16(k32, yv));
        const int g = 8 * h + 2 * s;
        const __m256i scales = _mm256_set_m128i(_mm_set1_epi16(x[i].scales[g + 1]), _mm_set1_epi16(x[i].scales[g]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, scales));
      }
    }
    sum += y[i].d * half(x[i].d) * static_cast<float>(hsum_i32(acc));
  }
  return sum;
}

}  // namespace

VecDotFn vec_dot(GgmlType type) { return vec_dot_table_detail::vec_dot_table<Avx2Dot>(type, q6_k); }

}  // namespace hfcpp::quant::avx2
