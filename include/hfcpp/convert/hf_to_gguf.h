// `hfcpp convert`: a Hugging Face safetensors decoder checkpoint -> one GGUF file with llama.cpp's
// tensor names, hyperparameter keys and tokenizer metadata, as llama.cpp's convert_hf_to_gguf.py
// writes them (docs/convert.md lists what is converted and where the two differ).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/quant/ggml_type.h"

namespace hfcpp::convert {

// --outtype, with convert_hf_to_gguf.py's general.file_type values (llama_ftype).
enum class OutType : uint32_t { F32 = 0, F16 = 1, Q8_0 = 7, BF16 = 32 };
std::optional<OutType> parse_out_type(std::string_view text);  // "f32", "f16", "bf16", "q8_0"
const char* out_type_name(OutType type);

struct ConvertOptions {
  std::string model;    // a folder, or a Hub repo id found in the HF cache
  std::string outfile;  // the .gguf to write
  OutType outtype = OutType::F16;
  std::string model_name;  // general.name; empty: derived from the folder name as the reference does
  bool dry_run = false;    // plan and report only; write nothing
  std::function<void(uint64_t done, uint64_t total)> on_progress;  // bytes of tensor data written
};

struct ConvertedTensor {
  std::string hf_name, name;  // checkpoint name, llama.cpp name
  std::vector<uint64_t> ne;   // ggml order (innermost first)
  quant::GgmlType type;
  uint64_t bytes = 0;
};

struct ConvertReport {
  std::string folder;        // the resolved model folder
  std::string architecture;  // general.architecture
  std::vector<ConvertedTensor> tensors;  // in file order
  size_t n_metadata = 0;
  uint64_t n_params = 0;
  uint64_t bytes_out = 0;  // the whole file
};

// Throws Error: Unsupported for model types or tensors it cannot convert, Format for bad inputs.
ConvertReport convert_hf_to_gguf(const ConvertOptions& options);

// The model types (config.json model_type) convert accepts.
std::vector<std::string> convertible_model_types();

}  // namespace hfcpp::convert
