// AVX2 activation quantizers (Q8_0, Q8_1, Q8_K): every quantized linear call runs one per activation
// row, so in prefill they take a few percent of the time in the scalar form. Each gives the same
// bytes as its scalar reference (blocks/legacy.cpp, blocks/kquants.cpp): the same scale arithmetic in
// f32, and the same rounding (half away from zero for Q8_0/Q8_1, to nearest even for Q8_K).
#include <immintrin.h>

#include <cstring>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/avx2_helpers.h"

namespace hfcpp::quant::avx2 {
namespace {

inline float max_abs(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int j = 0; j < n; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

// 32 int32 lanes (4 vectors) -> 32 int8 in order; the values are within int8 already.
inline __m256i pack_32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = _mm256_packs_epi16(ab, cd);  // lane-interleaved: 0-3 8-11 16-19 24-27 | 4-7 ...
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// trunc + (frac >= 0.5) - (frac <= -0.5), as round_half_away in legacy.cpp.
inline __m256i round_half_away(__m256 v) {
  const __m256i t = _mm256_cvttps_epi32(v);
  const __m256 frac = _mm256_sub_ps(v, _mm256_cvtepi32_ps(t));
  const __m256i up = _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ));
  const __m256i down = _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(-0.5f), _CMP_LE_OQ));
  return _mm256_add_epi32(_mm256_sub_epi32(t, up), down);
}

// One 32-element block scaled by id, rounded half away; returns the 32 int8 values.
inline __m256i quantize_block_32(const float* x, float id) {
  const __m256 s = _mm256_set1_ps(id);
  __m256i q[4];
  for (int j = 0; j < 4; ++j) q[j] = round_half_away(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * j), s));
  return pack_32(q[0], q[1], q[2], q[3]);
}

inline int sum_i8(__m256i v) {
  const __m256i wide = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), v), _mm256_set1_epi16(1));
  return detail::hsum_i32(wide);
}

}  // namespace

void quantize_q8_0(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float d = max_abs(x, kQK) / 127.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(b[i].qs), quantize_block_32(x, id));
    b[i].d = to_fp16(d);
  }
}

void quantize_q8_1(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float d = max_abs(x, kQK) / 127.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    const __m256i q = quantize_block_32(x, id);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(b[i].qs), q);
    b[i].d = d;
    b[i].s = d * static_cast<float>(sum_i8(q));
  }
}

void quantize_q8_k(const float* x, void* dst, int64_t n, const float*) {
  auto* b = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    const float amax = max_abs(x, kQKK);
    std::memset(&b[i], 0, sizeof(BlockQ8_K));
    if (amax == 0.0f) continue;
    float vmax = 0.0f;  // the first element of largest magnitude, with its sign (as the scalar scan)
    for (int j = 0; j < kQKK; ++j)
      if (x[j] == amax || x[j] == -amax) {
        vmax = x[j];
        break;
      }
    const float iscale = -127.0f / vmax;
    const __m256 s = _mm256_set1_ps(iscale);
    const __m256i lo = _mm256_set1_epi32(-128), hi = _mm256_set1_epi32(127);
    for (int g = 0; g < kQKK / 32; ++g) {
      __m256i q[4];
      for (int j = 0; j < 4; ++j) {
        // cvtps rounds to nearest even under the default MXCSR, as std::nearbyint does.
        const __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(s, _mm256_loadu_ps(x + 32 * g + 8 * j)));
        q[j] = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
      }
      const __m256i bytes = pack_32(q[0], q[1], q[2], q[3]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(b[i].qs + 32 * g), bytes);
      const __m256i w16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), bytes);  // pairs -> int16
      const __m256i w32 = _mm256_madd_epi16(w16, _mm256_set1_epi16(1));      // 4-element sums
      alignas(32) int32_t quad[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(quad), w32);
      b[i].bsums[2 * g] = static_cast<int16_t>(quad[0] + quad[1] + quad[2] + quad[3]);
      b[i].bsums[2 * g + 1] = static_cast<int16_t>(quad[4] + quad[5] + quad[6] + quad[7]);
    }
    b[i].d = 1.0f / iscale;
  }
}

}  // namespace hfcpp::quant::avx2
