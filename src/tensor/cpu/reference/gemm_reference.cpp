// Scalar GEMM: the test oracle (double accumulation) and the HFCPP_ISA=scalar fallback.
#include <type_traits>

#include "hfcpp/tensor/convert.h"
#include "hfcpp/tensor/half.h"
#include "tensor/cpu/gemm.h"

namespace hfcpp::tensor::cpu {
namespace {

template <DType D>
double load(const void* base, int64_t index) {
  if constexpr (D == DType::F32) return static_cast<const float*>(base)[index];
  else if constexpr (D == DType::BF16) return bf16_to_f32(static_cast<const uint16_t*>(base)[index]);
  else return f16_to_f32(static_cast<const uint16_t*>(base)[index]);
}

template <DType DA, DType DB>
void block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  // (i, p) of op(A) and (p, j) of op(B) as strides.
  const int64_t a_i = g.trans_a ? 1 : g.lda, a_p = g.trans_a ? g.lda : 1;
  const int64_t b_p = g.trans_b ? 1 : g.ldb, b_j = g.trans_b ? g.ldb : 1;
  for (int64_t i = m0; i < m1; ++i) {
    for (int64_t j = n0; j < n1; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < g.k; ++p)
        sum += load<DA>(g.a, i * a_i + p * a_p) * load<DB>(g.b, p * b_p + j * b_j);
      float* out = g.c + i * g.ldc + j;
      double v = static_cast<double>(g.alpha) * sum;
      if (g.beta != 0.0f) v += static_cast<double>(g.beta) * *out;
      *out = static_cast<float>(v);
    }
  }
}

template <DType DA>
GemmBlockFn pick_b(DType b) {
  switch (b) {
    case DType::BF16: return &block<DA, DType::BF16>;
    case DType::F16: return &block<DA, DType::F16>;
    default: return &block<DA, DType::F32>;
  }
}

GemmBlockFn pick(DType a, DType b) {
  switch (a) {
    case DType::BF16: return pick_b<DType::BF16>(b);
    case DType::F16: return pick_b<DType::F16>(b);
    default: return pick_b<DType::F32>(b);
  }
}

void reference_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  pick(g.a_dtype, g.b_dtype)(g, m0, m1, n0, n1);
}

void reference_to_f32(const void* src, DType dtype, float* dst, int64_t n) {
  convert_elements(src, dtype, dst, DType::F32, static_cast<size_t>(n));
}

}  // namespace

void gemm_reference(const GemmArgs& args) { reference_block(args, 0, args.m, 0, args.n); }

const GemmKernels& gemm_kernels_reference() {
  static const GemmKernels kernels{&reference_block, &reference_block, 1, &reference_to_f32};
  return kernels;
}

}  // namespace hfcpp::tensor::cpu
