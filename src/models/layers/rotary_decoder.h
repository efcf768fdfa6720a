// The pre-norm rotary decoder that Llama, Mistral, Qwen2/3, Gemma 1/2/3 and Phi-3 share: token
// embeddings, N layers of (RMSNorm -> rotary GQA attention -> residual, RMSNorm -> gated MLP ->
// residual), a final RMSNorm and the LM head. The architecture files only turn config.json into a
// RotaryDecoderSpec (their defaults, their weight names); the blocks live here, once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/weights.h"
#include "models/layers/layers.h"
#include "models/layers/rotary.h"

namespace hfcpp::models::layers {

struct RotaryDecoderSpec {
  std::string component;  // "llama", "gemma2", ... for error messages
  int64_t vocab = 0, hidden = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0, intermediate = 0;
  int64_t max_positions = 0;
  float norm_eps = 1e-6f;
  bool norm_unit_offset = false;  // Gemma: RMSNorm scales by (1 + w)
  bool scale_embeddings = false;  // Gemma: embeddings * sqrt(hidden)
  Activation activation = Activation::Silu;
  bool qkv_bias = false, o_bias = false, mlp_bias = false;
  bool qk_norm = false;                // Qwen3, Gemma 3: RMSNorm over head_dim of q and k
  bool fused_qkv = false;              // Phi-3: self_attn.qkv_proj
  bool fused_gate_up = false;          // Phi-3: mlp.gate_up_proj
  bool sandwich_norms = false;         // Gemma 2/3: norms after attention and MLP too
  float attention_scale = 0.0f;        // 0: 1/sqrt(head_dim)
  float attention_softcap = 0.0f;      // Gemma 2
  float final_softcap = 0.0f;          // Gemma 2
  std::vector<int64_t> layer_windows;  // per layer: sliding window, 0 = full attention
  RopeSpec rope;                       // full-attention layers (and all layers without rope_local)
  std::optional<RopeSpec> rope_local;  // Gemma 3: sliding layers' rope
  bool tie_word_embeddings = false;
};

// An architecture's transformers defaults for the keys every rotary decoder reads.
struct RotaryDecoderDefaults {
  double rope_theta = 10000.0;
  int64_t max_positions = 2048;
  double norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  int64_t head_dim = 0;  // 0: hidden_size / num_attention_heads
  const char* activation_key = "hidden_act";
  const char* activation = "silu";
};
// The common part of the spec: sizes (vocab_size, hidden_size, num_hidden_layers,
// num_attention_heads, intermediate_size are required), norms, activation, rope, tying.
// Layer windows start all full; the architecture sets the rest.
RotaryDecoderSpec rotary_spec_from_config(const ModelConfig& config, const char* component,
                                          const RotaryDecoderDefaults& defaults);

// "sliding_attention" / "full_attention" per layer from config.json's layer_types when present,
// else from `fallback` (the architecture's default pattern). window is the sliding window size.
std::vector<int64_t> layer_windows_from_config(const ModelConfig& config, int64_t layers, int64_t window,
                                               const std::vector<bool>& fallback_sliding);

std::unique_ptr<CausalLM> load_rotary_decoder(const ModelConfig& config, WeightSource& weights,
                                              RotaryDecoderSpec spec);

}  // namespace hfcpp::models::layers
