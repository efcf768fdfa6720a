// AVX2 Q2_K / Q3_K dot products (compiled with -mavx2 -mfma -mf16c; called only after run-time
// detection). The kernels are vec_dot_q2q3_impl.h's; here only the int16-pair scaling.
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/vec_dot_q2q3_impl.h"

namespace hfcpp::quant::avx2 {
namespace {
struct Avx2ScaledAdd {
  static __m256i scaled_add(__m256i acc, __m256i p, __m256i s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, s));
  }
};
}  // namespace

float vec_dot_q2_k(int64_t n, const void* w, const void* a) { return q2q3_dot_detail::q2_k<Avx2ScaledAdd>(n, w, a); }
float vec_dot_q3_k(int64_t n, const void* w, const void* a) { return q2q3_dot_detail::q3_k<Avx2ScaledAdd>(n, w, a); }

}  // namespace hfcpp::quant::avx2
