// AVX-512 VNNI Q2_K / Q3_K dot products (256-bit vpdpwssd, needs AVX512VL + VNNI; 256-bit for the
// reason given in vec_dot_vnni.cpp). vpdpwssd forms the same int32 sums as the AVX2 kernel's
// vpmaddwd + vpaddd, and the rest is vec_dot_q2q3_impl.h's shared code: equal to AVX2 bit for bit.
#include <immintrin.h>

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/vec_dot_q2q3_impl.h"

namespace hfcpp::quant::avx512vnni {
namespace {
struct VnniScaledAdd {
  static __m256i scaled_add(__m256i acc, __m256i p, __m256i s) { return _mm256_dpwssd_epi32(acc, p, s); }
};
}  // namespace

float vec_dot_q2_k(int64_t n, const void* w, const void* a) { return q2q3_dot_detail::q2_k<VnniScaledAdd>(n, w, a); }
float vec_dot_q3_k(int64_t n, const void* w, const void* a) { return q2q3_dot_detail::q3_k<VnniScaledAdd>(n, w, a); }

}  // namespace hfcpp::quant::avx512vnni
