// llama.cpp's tensor names (gguf-py's TENSOR_NAMES) paired with the Hugging Face names, shared by
// the GGUF reader (GGUF -> HF, models/gguf_source.cpp) and `hfcpp convert` (HF -> GGUF).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace hfcpp::models {

// Per-layer names: "blk.{i}.<gguf>" <-> "model.layers.{i}.<hf>" (+ ".weight" / ".bias").
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kGgufLayerNames = {{
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
    {"attn_norm", "input_layernorm"},
    {"ffn_norm", "post_attention_layernorm"},
}};

// Whole-model names.
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kGgufGlobalNames = {{
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.norm"},
    {"output", "lm_head"},
}};

// GPT2Model's names (gguf-py's TensorNameMap for MODEL_ARCH.GPT2), below "transformer." and
// "transformer.h.{i}." (lm_head has no prefix).
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kGpt2GlobalNames = {
    {{"token_embd", "wte"}, {"position_embd", "wpe"}, {"output_norm", "ln_f"}, {"output", "lm_head"}}};
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kGpt2LayerNames = {
    {{"attn_norm", "ln_1"},
     {"attn_qkv", "attn.c_attn"},
     {"attn_output", "attn.c_proj"},
     {"ffn_norm", "ln_2"},
     {"ffn_up", "mlp.c_fc"},
     {"ffn_down", "mlp.c_proj"}}};

// Gemma 2 / Gemma 3 (gguf-py's TensorNameMap for MODEL_ARCH.GEMMA2 / GEMMA3): sandwich norms around
// attention and MLP, so "post_attention_layernorm" is post_attention_norm there and the pre-MLP norm
// is ffn_norm; Gemma 3 adds q/k norms. Gemma (1) keeps the llama names.
inline constexpr auto kGemma2LayerNames = [] {
  std::array<std::pair<std::string_view, std::string_view>, kGgufLayerNames.size() + 2> names{};
  size_t i = 0;
  for (const auto& entry : kGgufLayerNames)
    if (entry.first != "ffn_norm") names[i++] = entry;  // llama's ffn_norm is HF's post_attention_layernorm
  names[i++] = {"post_attention_norm", "post_attention_layernorm"};
  names[i++] = {"ffn_norm", "pre_feedforward_layernorm"};
  names[i++] = {"post_ffw_norm", "post_feedforward_layernorm"};
  return names;
}();

// Phi-3 (MODEL_ARCH.PHI3): q/k/v and gate/up stay fused, as llama.cpp runs them (attn_qkv; ffn_up
// holds [gate; up] rows).
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kPhi3LayerNames = {{
    {"attn_qkv", "self_attn.qkv_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"ffn_up", "mlp.gate_up_proj"},
    {"ffn_down", "mlp.down_proj"},
    {"attn_norm", "input_layernorm"},
    {"ffn_norm", "post_attention_layernorm"},
}};

// One architecture family's naming: {gguf, hf} tables for whole-model and per-layer tensors, and
// the prefixes of the Hugging Face names (hf_prefix is optional on input, never on lm_head).
struct GgufNameScheme {
  std::string_view hf_prefix;        // "" or "transformer."
  std::string_view hf_layer_prefix;  // below hf_prefix: "model.layers." or "h."
  std::span<const std::pair<std::string_view, std::string_view>> globals;
  std::span<const std::pair<std::string_view, std::string_view>> layers;
};
inline constexpr GgufNameScheme kLlamaNameScheme{"", "model.layers.", kGgufGlobalNames, kGgufLayerNames};
inline constexpr GgufNameScheme kGpt2NameScheme{"transformer.", "h.", kGpt2GlobalNames, kGpt2LayerNames};
inline constexpr GgufNameScheme kGemma2NameScheme{"", "model.layers.", kGgufGlobalNames, kGemma2LayerNames};
inline constexpr GgufNameScheme kPhi3NameScheme{"", "model.layers.", kGgufGlobalNames, kPhi3LayerNames};

// "<stem>.weight" / "<stem>.bias" -> {stem, suffix}; nullopt for other names.
std::optional<std::pair<std::string_view, std::string_view>> split_param_suffix(std::string_view name);
// "<prefix><digits>.<part>" -> {digits, part}; nullopt otherwise.
std::optional<std::pair<std::string_view, std::string_view>> split_layer_stem(std::string_view stem,
                                                                              std::string_view prefix);

// Hugging Face name -> llama.cpp name ("model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight",
// "transformer.h.3.attn.c_attn.weight" -> "blk.3.attn_qkv.weight"); nullopt without an equivalent.
std::optional<std::string> gguf_name_of(std::string_view hf_name, const GgufNameScheme& scheme);
// llama.cpp name -> Hugging Face name ("output.weight" -> "lm_head.weight"); nullopt when unknown.
std::optional<std::string> hf_name_of(std::string_view gguf_name, const GgufNameScheme& scheme);

inline std::optional<std::string> gguf_name_of_hf_tensor(std::string_view hf_name) {
  return gguf_name_of(hf_name, kLlamaNameScheme);
}
inline std::optional<std::string> gguf_name_of_gpt2_tensor(std::string_view hf_name) {
  return gguf_name_of(hf_name, kGpt2NameScheme);
}

}  // namespace hfcpp::models
