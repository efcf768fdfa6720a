// llama.cpp's tensor names (gguf-py's TENSOR_NAMES) paired with the Hugging Face names, shared by
// the GGUF reader (GGUF -> HF, models/gguf_source.cpp) and `hfcpp convert` (HF -> GGUF).
#pragma once

#include <array>
#include <optional>
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

// "<stem>.weight" / "<stem>.bias" -> {stem, suffix}; nullopt for other names.
std::optional<std::pair<std::string_view, std::string_view>> split_param_suffix(std::string_view name);
// "<prefix><digits>.<part>" -> {digits, part}; nullopt otherwise.
std::optional<std::pair<std::string_view, std::string_view>> split_layer_stem(std::string_view stem,
                                                                              std::string_view prefix);

// The llama.cpp name of a Hugging Face tensor name of the llama family ("model.layers.3.self_attn
// .q_proj.weight" -> "blk.3.attn_q.weight"); nullopt for names without an equivalent.
std::optional<std::string> gguf_name_of_hf_tensor(std::string_view hf_name);

// GPT2Model's names (gguf-py's TensorNameMap for MODEL_ARCH.GPT2) without the "transformer." prefix:
// "h.{i}.<hf>" <-> "blk.{i}.<gguf>".
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kGpt2GlobalNames = {
    {{"wte", "token_embd"}, {"wpe", "position_embd"}, {"ln_f", "output_norm"}, {"lm_head", "output"}}};
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kGpt2LayerNames = {
    {{"ln_1", "attn_norm"},
     {"attn.c_attn", "attn_qkv"},
     {"attn.c_proj", "attn_output"},
     {"ln_2", "ffn_norm"},
     {"mlp.c_fc", "ffn_up"},
     {"mlp.c_proj", "ffn_down"}}};

// "transformer.h.3.attn.c_attn.weight" (or without "transformer.") -> "blk.3.attn_qkv.weight".
std::optional<std::string> gguf_name_of_gpt2_tensor(std::string_view hf_name);
// "blk.3.attn_qkv.weight" -> "transformer.h.3.attn.c_attn.weight"; "output.weight" -> "lm_head.weight".
std::optional<std::string> hf_name_of_gpt2_gguf_tensor(std::string_view gguf_name);

}  // namespace hfcpp::models
