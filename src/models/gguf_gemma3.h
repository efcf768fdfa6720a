// What llama.cpp's "gemma3" GGUF architecture needs beyond the llama family's mapping: the
// sandwich-norm tensor names, the Gemma3TextConfig keys the metadata leaves implicit (llama.cpp
// hard-codes them in llama_model_gemma3::load_arch_hparams), and the RMSNorm weights that
// convert_hf_to_gguf stores as 1 + w.
#pragma once

#include <optional>
#include <string_view>

#include "hfcpp/core/json.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models::gguf_gemma3 {

// The HF name of a per-layer GGUF name that Gemma 2/3 use differently from Llama ("ffn_norm" is
// the pre-MLP norm there, "post_attention_norm", "post_ffw_norm"); nullopt for the common ones.
std::optional<std::string_view> sandwich_norm_name(std::string_view gguf_part);

// Adds what Gemma3TextConfig needs to the config built from the common keys (prefix "gemma3."):
// head_dim, sliding window and per-layer types, rope_local_base_freq, query_pre_attn_scalar,
// softcapping, hidden_activation; as llama.cpp reads the same file.
void add_config(const formats::GgufFile& file, core::Json& config);

// True for the Gemma RMSNorm weights ("...norm.weight", as transformers' Gemma2TensorProcessor
// tests); shift_norm_weight returns w from the stored 1 + w, in f32.
bool is_shifted_norm(std::string_view hf_name);
tensor::Tensor shift_norm_weight(const tensor::Tensor& stored);

}  // namespace hfcpp::models::gguf_gemma3
