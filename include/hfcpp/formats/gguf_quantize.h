// GGUF -> GGUF quantization with llama.cpp's mixes (`hfcpp quantize`, llama-quantize's job).
//
// A mix (llama.cpp's "file type", LLAMA_FTYPE_*) names a default tensor type plus rules that give
// some tensors more bits (attn_v, ffn_down of the first/last layers, the output matrix) and fall
// back to a compatible type when a row is not a whole number of blocks. choose_tensor_types()
// follows llama.cpp's llama_tensor_get_type (src/llama-quant.cpp), rules documented in
// docs/quantize.md; quantize_gguf() copies the metadata (general.file_type and
// general.quantization_version set as llama.cpp sets them), keeps the alignment, and writes the
// tensors in llama.cpp's order (non-layer tensors, then by layer; by name within each).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/quant/ggml_type.h"

namespace hfcpp::formats {

// llama.cpp's llama_ftype values (the numbers are what general.file_type stores).
enum class LlamaFtype : uint32_t {
  AllF32 = 0, MostlyF16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 7, Q5_0 = 8, Q5_1 = 9,
  Q2_K = 10, Q3_K_S = 11, Q3_K_M = 12, Q3_K_L = 13, Q4_K_S = 14, Q4_K_M = 15,
  Q5_K_S = 16, Q5_K_M = 17, Q6_K = 18, IQ4_NL = 25, IQ4_XS = 30, MostlyBF16 = 32,
};

// "Q4_K_M", "q4_k_m", "F16", "BF16", "F32" -> the mix; nullopt for names hfcpp does not make.
std::optional<LlamaFtype> parse_llama_ftype(std::string_view name);
const char* llama_ftype_name(LlamaFtype ftype);  // "Q4_K_M"
std::vector<std::string> supported_quantize_mixes();
// The mix's default tensor type (llama_ftype_get_default_type).
quant::GgmlType llama_ftype_default_type(LlamaFtype ftype);

// What the rules look at besides names and shapes (from the GGUF's <arch>.* metadata).
struct QuantizeModelInfo {
  std::string architecture;  // "llama", "falcon", ...
  int64_t n_layer = 0;       // <arch>.block_count
  int64_t n_head = 1, n_head_kv = 1;
  int64_t n_expert = 0;  // <arch>.expert_count
};

struct QuantizeTensorDesc {
  std::string name;
  std::vector<uint64_t> ne;  // ggml order (ne[0] = row length)
  quant::GgmlType type = quant::GgmlType::F32;
};

struct QuantizePlanOptions {
  bool has_imatrix = false;
  bool pure = false;  // default type for every quantizable tensor (llama-quantize --pure)
  std::optional<quant::GgmlType> output_tensor_type;     // --output-tensor-type
  std::optional<quant::GgmlType> token_embedding_type;   // --token-embedding-type
};

struct QuantizePlan {
  std::vector<quant::GgmlType> types;  // per input tensor, in the input's order
  std::vector<size_t> order;           // the order llama.cpp processes and writes them
  int n_fallback = 0;                  // tensors whose row length forced a fallback type
};

// llama.cpp's processing order: tensors without a "blk.N." prefix first, then by layer N; by
// name within each group.
std::vector<size_t> llama_tensor_order(std::span<const QuantizeTensorDesc> tensors);

// The target type of every tensor for `ftype`.
QuantizePlan choose_tensor_types(const QuantizeModelInfo& model, std::span<const QuantizeTensorDesc> tensors,
                                 LlamaFtype ftype, const QuantizePlanOptions& options = {});

// An importance matrix: per tensor name, one weight per input column (per expert, concatenated).
using ImportanceMatrix = std::map<std::string, std::vector<float>>;
// llama.cpp's imatrix files: the legacy binary .dat (sums already divided by the call count) or
// the GGUF imatrix (<name>.in_sum2 / <name>.counts). Format errors name the file and offset.
ImportanceMatrix load_imatrix(const std::string& path);

struct GgufQuantizeOptions {
  LlamaFtype ftype = LlamaFtype::Q8_0;
  const ImportanceMatrix* imatrix = nullptr;
  bool allow_requantize = false;  // accept already-quantized input tensors (llama-quantize --allow-requantize)
  bool pure = false;
  bool dry_run = false;  // plan and sizes only: nothing is converted or written (llama-quantize --dry-run)
  std::optional<quant::GgmlType> output_tensor_type, token_embedding_type;
  // Called after each tensor with bytes read so far (of total input tensor bytes).
  std::function<void(uint64_t done, uint64_t total)> on_progress;
};

struct GgufQuantizedTensor {
  std::string name;
  std::vector<uint64_t> ne;
  quant::GgmlType from = quant::GgmlType::F32, to = quant::GgmlType::F32;
  uint64_t bytes_in = 0, bytes_out = 0;
  bool used_imatrix = false;
};

struct GgufQuantizeReport {
  std::vector<GgufQuantizedTensor> tensors;  // in the output's order
  uint64_t bytes_in = 0, bytes_out = 0, n_elements = 0;
  int n_fallback = 0;
};

// Reads in_path, writes out_path (through a temporary file and rename). Throws Error naming the
// tensor on unsupported types, requantization without allow_requantize, or imatrix size mismatches.
GgufQuantizeReport quantize_gguf(const std::string& in_path, const std::string& out_path,
                                 const GgufQuantizeOptions& options);

}  // namespace hfcpp::formats
