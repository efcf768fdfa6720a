// ggml's tensor types as GGUF stores them (the numeric ids are the file format's), with their
// block geometry. Block-quantized types pack `block_size` elements into `type_size` bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hfcpp::quant {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
  IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
};

struct GgmlTypeInfo {
  GgmlType type;
  const char* name;     // "Q4_K", as gguf-py and llama.cpp print it
  uint32_t block_size;  // elements per block
  uint32_t type_size;   // bytes per block
};

// nullopt for ids that are not (or no longer) ggml types: a GGUF reader reports them as errors.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t id);
const GgmlTypeInfo& ggml_type_info(GgmlType type);
std::optional<GgmlType> parse_ggml_type(std::string_view name);  // "q4_k" or "Q4_K"
// Bytes of a row of n elements; throws Format when n is not a multiple of the block size.
uint64_t ggml_row_bytes(GgmlType type, uint64_t n);

}  // namespace hfcpp::quant
