// from_pretrained: a model folder, a single .safetensors file's folder, or a Hub repo id in the
// Hugging Face cache -> config.json -> model_type -> the architecture registered for it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/models/encoder.h"
#include "hfcpp/tensor/dtype.h"

namespace hfcpp::models {

struct LoadOptions {
  // Matmul weights' dtype: nullopt = "auto" (config's torch_dtype, else the file's own dtype).
  std::optional<tensor::DType> dtype;
  // Task to load; nullopt = from config.json's architectures[0] (AutoModel semantics: Base if
  // the architecture is not a known head).
  std::optional<EncoderTask> task;
  // GGUF with dtype nullopt: keep block-quantized matmul weights in the mapping and multiply with
  // quant::linear (activations rounded to Q8 blocks, as llama.cpp does: its greedy tokens, about
  // a quarter of the memory). false: dequantize them to f32 at load (transformers' numerics).
  bool quantized_matmuls = false;
};

// Parses "auto|f32|bf16|f16" (the CLI's --dtype); throws Usage on anything else.
std::optional<tensor::DType> parse_dtype_option(const std::string& text);

// Resolves the model folder (local path or cached repo id) and loads the encoder.
std::unique_ptr<EncoderModel> load_encoder(const std::string& path_or_repo_id, const LoadOptions& options = {});

// The model_type values hfcpp can load, sorted (for error messages and --help).
std::vector<std::string> supported_model_types();

// Resolves MODEL arguments (folder, file or repo id) to a local folder.
std::string resolve_model_folder(const std::string& path_or_repo_id);

}  // namespace hfcpp::models
