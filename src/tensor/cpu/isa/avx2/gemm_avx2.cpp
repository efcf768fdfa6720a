// AVX2 + FMA + F16C GEMM kernels: 8-float vectors, a 6 x 16 register tile (12 accumulators).
#include <immintrin.h>

#include "tensor/cpu/gemm_kernels_impl.h"
#include "tensor/cpu/isa/transpose_6x8_avx.h"

namespace hfcpp::tensor::cpu {
namespace {

struct Avx2Vec {
  using Vec = __m256;
  static constexpr int64_t kWidth = 8;
  static constexpr bool kHasTranspose = true;
  static constexpr bool kHasStoreTransposed6 = true;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec set1(float x) { return _mm256_set1_ps(x); }
  static Vec load_f32(const float* p) { return _mm256_loadu_ps(p); }
  template <class S>
  static Vec load(const typename S::T* p) {
    if constexpr (__is_same(S, SrcF32)) {
      return _mm256_loadu_ps(p);
    } else if constexpr (__is_same(S, SrcBf16)) {
      __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    } else {
      return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
  }
  // 2W = 16 elements as two vectors, 16-bit types in one 32-byte load.
  template <class S>
  static void load_pair(const typename S::T* p, Vec& lo, Vec& hi) {
    if constexpr (__is_same(S, SrcF32)) {
      lo = _mm256_loadu_ps(p);
      hi = _mm256_loadu_ps(p + 8);
    } else {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const __m128i l = _mm256_castsi256_si128(v), h = _mm256_extracti128_si256(v, 1);
      if constexpr (__is_same(S, SrcBf16)) {
        lo = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(l), 16));
        hi = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
      } else {
        lo = _mm256_cvtph_ps(l);
        hi = _mm256_cvtph_ps(h);
      }
    }
  }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
  static Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
  static float hsum(Vec v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    __m128 sh = _mm_movehdup_ps(s);
    s = _mm_add_ps(s, sh);
    sh = _mm_movehl_ps(sh, s);
    return _mm_cvtss_f32(_mm_add_ss(s, sh));
  }
  // Four vectors -> their four horizontal sums (out[0..3]).
  static void hsum4(Vec a, Vec b, Vec c, Vec d, float* out) {
    const __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
    const __m256 s = _mm256_hadd_ps(ab, cd);  // [a b c d | a b c d], each half a partial sum
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1)));
  }
  // 16 bf16 -> the 8 even-indexed as f32 (shift into the high half) and the 8 odd-indexed
  // (their bits already are the high half of each 32-bit lane: mask the low half).
  static void split_bf16(const uint16_t* p, Vec& even, Vec& odd) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    even = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
    odd = _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32(static_cast<int>(0xFFFF0000u))));
  }
  // 16 floats -> dst[0..8) the even-indexed, dst[8..16) the odd-indexed.
  static void deinterleave_f32(const float* src, float* dst) {
    const __m256 lo = _mm256_loadu_ps(src), hi = _mm256_loadu_ps(src + 8);
    const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // lanes 0,2 | 4,6 mixed
    const __m256 o = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    _mm256_storeu_ps(dst, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
    _mm256_storeu_ps(dst + 8, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
  }
  // The weight-rows tile's way out: rows 0..5 of tile (8 floats each, stride tile_ld) become
  // columns 0..5 of `cols` (<= 8) rows of C: C[i][r] = alpha * tile[r][i] (+ beta * C[i][r]).
  static void store_transposed_6x8(const float* tile, int64_t tile_ld, float* c, int64_t ldc,
                                   int64_t cols, float alpha, float beta) {
    __m256 out[8];
    transpose_6x8(tile, tile_ld, out);
    const __m256 va = _mm256_set1_ps(alpha);
    for (int64_t i = 0; i < cols; ++i) {
      float* row = c + i * ldc;
      const __m256 v = _mm256_mul_ps(out[i], va);
      __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
      if (beta != 0.0f) {
        const __m128 vb = _mm_set1_ps(beta);
        lo = _mm_fmadd_ps(vb, _mm_loadu_ps(row), lo);
        hi = _mm_fmadd_ps(vb, _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + 4))), hi);
      }
      _mm_storeu_ps(row, lo);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(row + 4), _mm_castps_si128(hi));  // unaligned 8 bytes
    }
  }
  // 8 rows of k (stride ld) -> dst[p * dst_stride + r]: 8x8 register transposes.
  template <class S>
  static void transpose_pack(const typename S::T* src, int64_t ld, int64_t kc, float* dst,
                             int64_t dst_stride) {
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 r0 = load<S>(src + 0 * ld + p), r1 = load<S>(src + 1 * ld + p);
      __m256 r2 = load<S>(src + 2 * ld + p), r3 = load<S>(src + 3 * ld + p);
      __m256 r4 = load<S>(src + 4 * ld + p), r5 = load<S>(src + 5 * ld + p);
      __m256 r6 = load<S>(src + 6 * ld + p), r7 = load<S>(src + 7 * ld + p);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
      float* d = dst + p * dst_stride;
      _mm256_storeu_ps(d + 0 * dst_stride, _mm256_permute2f128_ps(s0, s4, 0x20));
      _mm256_storeu_ps(d + 1 * dst_stride, _mm256_permute2f128_ps(s1, s5, 0x20));
      _mm256_storeu_ps(d + 2 * dst_stride, _mm256_permute2f128_ps(s2, s6, 0x20));
      _mm256_storeu_ps(d + 3 * dst_stride, _mm256_permute2f128_ps(s3, s7, 0x20));
      _mm256_storeu_ps(d + 4 * dst_stride, _mm256_permute2f128_ps(s0, s4, 0x31));
      _mm256_storeu_ps(d + 5 * dst_stride, _mm256_permute2f128_ps(s1, s5, 0x31));
      _mm256_storeu_ps(d + 6 * dst_stride, _mm256_permute2f128_ps(s2, s6, 0x31));
      _mm256_storeu_ps(d + 7 * dst_stride, _mm256_permute2f128_ps(s3, s7, 0x31));
    }
    for (; p < kc; ++p)
      for (int64_t r = 0; r < 8; ++r) dst[p * dst_stride + r] = scalar_to_f32<S>(src[r * ld + p]);
  }
};

using K = Kernels<Avx2Vec>;

}  // namespace

const GemmKernels& gemm_kernels_avx2() {
  static const GemmKernels kernels{&K::packed_block, &K::small_m_block, K::NR, &K::to_f32,
                                   &K::weight_rows_block};
  return kernels;
}

}  // namespace hfcpp::tensor::cpu
