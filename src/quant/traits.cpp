// The BlockFormat table (one row per supported ggml type), the ISA choice for dot products, and
// the public dequantize / quantize entry points.
#include <array>

#include "hfcpp/core/error.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/quant/quant.h"
#include "quant/blocks/block_types.h"

namespace hfcpp::quant {
namespace {

using T = GgmlType;
const std::array<BlockFormat, 17> kFormats = {{
    {T::F32, 1, 4, dequantize_f32, quantize_f32, vec_dot_f32, T::F32},
    {T::F16, 1, 2, dequantize_f16, quantize_f16, vec_dot_f16, T::F32},
    {T::BF16, 1, 2, dequantize_bf16, quantize_bf16, vec_dot_bf16, T::F32},
    {T::Q4_0, 32, 18, dequantize_q4_0, quantize_q4_0, vec_dot_q4_0, T::Q8_1},
    {T::Q4_1, 32, 20, dequantize_q4_1, quantize_q4_1, vec_dot_q4_1, T::Q8_1},
    {T::Q5_0, 32, 22, dequantize_q5_0, quantize_q5_0, vec_dot_q5_0, T::Q8_1},
    {T::Q5_1, 32, 24, dequantize_q5_1, quantize_q5_1, vec_dot_q5_1, T::Q8_1},
    {T::Q8_0, 32, 34, dequantize_q8_0, quantize_q8_0, vec_dot_q8_0, T::Q8_0},
    {T::Q8_1, 32, 40, dequantize_q8_1, quantize_q8_1, vec_dot_q8_1, T::Q8_1},
    {T::Q2_K, 256, 84, dequantize_q2_k, quantize_q2_k, vec_dot_q2_k, T::Q8_K},
    {T::Q3_K, 256, 110, dequantize_q3_k, quantize_q3_k, vec_dot_q3_k, T::Q8_K},
    {T::Q4_K, 256, 144, dequantize_q4_k, quantize_q4_k, vec_dot_q4_k, T::Q8_K},
    {T::Q5_K, 256, 176, dequantize_q5_k, quantize_q5_k, vec_dot_q5_k, T::Q8_K},
    {T::Q6_K, 256, 210, dequantize_q6_k, quantize_q6_k, vec_dot_q6_k, T::Q8_K},
    {T::Q8_K, 256, 292, dequantize_q8_k, quantize_q8_k, vec_dot_q8_k, T::Q8_K},
    {T::IQ4_NL, 32, 18, dequantize_iq4_nl, quantize_iq4_nl, vec_dot_iq4_nl, T::Q8_0},
    {T::IQ4_XS, 256, 136, dequantize_iq4_xs, quantize_iq4_xs, vec_dot_iq4_xs, T::Q8_K},
}};

const BlockFormat& require_format(GgmlType type, const char* op) {
  const BlockFormat* f = find_block_format(type);
  HFCPP_CHECK(f != nullptr, ErrorCode::Unsupported, "[quant] {}: type {} is not supported", op,
              ggml_type_info(type).name);
  return *f;
}

}  // namespace

const BlockFormat* find_block_format(GgmlType type) {
  for (const auto& f : kFormats)
    if (f.type == type) return &f;
  return nullptr;
}

VecDotFn vec_dot_for(GgmlType type, core::Isa isa) {
  const BlockFormat* f = find_block_format(type);
  if (!f) return nullptr;
  if (isa >= core::Isa::Avx512 && core::cpu_features().avx512_vnni)
    if (VecDotFn dot = avx512vnni::vec_dot(type)) return dot;
  if (isa >= core::Isa::Avx2)
    if (VecDotFn dot = avx2::vec_dot(type)) return dot;
  return f->vec_dot;
}

LinearTileFn linear_tile_for(GgmlType type, core::Isa isa) {
  if (isa < core::Isa::Avx2) return nullptr;
  if (isa >= core::Isa::Avx512 && core::cpu_features().avx512_vnni && type == T::Q8_0)
    return avx512vnni::linear_tile_q8_0;
  switch (type) {
    case T::Q8_0: return avx2::linear_tile_q8_0;
    default: return nullptr;
  }
}

UnpackedPanelKernel unpacked_panel_for(GgmlType type, core::Isa isa) {
  if (isa >= core::Isa::Avx512 && core::cpu_features().avx512_vnni) return avx512vnni::unpacked_panel(type);
  if (isa >= core::Isa::Avx2) return avx2::unpacked_panel(type);
  return {};
}

FromFloatFn act_quantizer_for(GgmlType act_type, core::Isa isa) {
  if (isa >= core::Isa::Avx2) {
    switch (act_type) {
      case T::Q8_0: return avx2::quantize_q8_0;
      case T::Q8_1: return avx2::quantize_q8_1;
      case T::Q8_K: return avx2::quantize_q8_k;
      default: break;
    }
  }
  return require_format(act_type, "quantize activations").from_float;
}

bool can_dequantize(GgmlType type) { return find_block_format(type) != nullptr; }
bool can_quantize(GgmlType type) { return find_block_format(type) != nullptr && type != T::Q8_1; }
bool can_matmul(GgmlType type) { return find_block_format(type) != nullptr && type != T::Q8_1 && type != T::Q8_K; }

void dequantize(GgmlType type, const void* src, float* dst, int64_t n) {
  const BlockFormat& f = require_format(type, "dequantize");
  HFCPP_CHECK(n >= 0 && n % f.block_size == 0, ErrorCode::InvalidArgument,
              "[quant] dequantize {}: got {} elements, expected a multiple of the {}-element block",
              ggml_type_info(type).name, n, f.block_size);
  f.to_float(src, dst, n);
}

size_t quantize(GgmlType type, const float* src, void* dst, int64_t n_rows, int64_t row_len,
                const float* importance) {
  const BlockFormat& f = require_format(type, "quantize");
  HFCPP_CHECK(n_rows >= 0 && row_len >= 0 && row_len % f.block_size == 0, ErrorCode::InvalidArgument,
              "[quant] quantize {}: rows of {} elements, expected a multiple of the {}-element block",
              ggml_type_info(type).name, row_len, f.block_size);
  const size_t row_bytes = static_cast<size_t>(row_len / f.block_size) * f.type_size;
  auto* out = static_cast<std::byte*>(dst);
  core::parallel_for(0, n_rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      f.from_float(src + r * row_len, out + static_cast<size_t>(r) * row_bytes, row_len, importance);
  });
  return row_bytes * static_cast<size_t>(n_rows);
}

}  // namespace hfcpp::quant
