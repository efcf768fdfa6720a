// What llama.cpp's "gemma", "gemma2" and "gemma3" GGUF architectures need beyond the common keys:
// the config keys the metadata leaves implicit (llama.cpp hard-codes them in load_arch_hparams), and
// the RMSNorm weights that convert_hf_to_gguf stores as 1 + w. (Tensor names: models/gguf_names.h.)
#pragma once

#include <optional>
#include <string_view>

#include "hfcpp/core/json.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models::gguf_gemma3 {

// Adds what GemmaConfig / Gemma2Config / Gemma3TextConfig need to the config built from the common
// keys (arch: the GGUF architecture, "gemma", "gemma2" or "gemma3"): head_dim, hidden_activation and,
// for Gemma 2/3, the sliding window and per-layer types, query_pre_attn_scalar, soft-capping and
// Gemma 3's rope_local_base_freq; as llama.cpp reads the same file.
void add_config(const formats::GgufFile& file, std::string_view arch, core::Json& config);

// True for the Gemma RMSNorm weights ("...norm.weight", as transformers' Gemma2TensorProcessor
// tests); shift_norm_weight returns w from the stored 1 + w, in f32.
bool is_shifted_norm(std::string_view hf_name);
tensor::Tensor shift_norm_weight(const tensor::Tensor& stored);

}  // namespace hfcpp::models::gguf_gemma3
