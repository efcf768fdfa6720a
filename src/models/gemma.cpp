#include "models/gemma.h"

#include <cmath>

#include "models/layers/rotary_decoder.h"

namespace hfcpp::models {

using layers::RotaryDecoderDefaults;
using layers::RotaryDecoderSpec;

namespace {

void gemma_common(const ModelConfig& c, RotaryDecoderSpec& s) {
  s.norm_unit_offset = true;
  s.scale_embeddings = true;
  s.qkv_bias = s.o_bias = c.get_bool("attention_bias", false);
}

float optional_positive(const ModelConfig& c, const char* key, double fallback) {
  return c.has(key) || !c.json().contains(key) ? static_cast<float>(c.get_float(key, fallback)) : 0.0f;
}

}  // namespace

std::unique_ptr<CausalLM> load_gemma(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s = layers::rotary_spec_from_config(
      c, "gemma",
      RotaryDecoderDefaults{.max_positions = 8192, .tie_word_embeddings = true, .head_dim = 256,
                            .activation_key = "hidden_act", .activation = "gelu_pytorch_tanh"});
  gemma_common(c, s);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

std::unique_ptr<CausalLM> load_gemma2(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s = layers::rotary_spec_from_config(
      c, "gemma2",
      RotaryDecoderDefaults{.max_positions = 8192, .tie_word_embeddings = true, .head_dim = 256,
                            .activation_key = "hidden_activation", .activation = "gelu_pytorch_tanh"});
  gemma_common(c, s);
  s.sandwich_norms = true;
  s.attention_scale = static_cast<float>(1.0 / std::sqrt(c.get_float("query_pre_attn_scalar", 256.0)));
  // null disables soft-capping; absent means transformers' default.
  s.attention_softcap = optional_positive(c, "attn_logit_softcapping", 50.0);
  s.final_softcap = optional_positive(c, "final_logit_softcapping", 30.0);
  const int64_t window = c.get_int("sliding_window", 4096);
  std::vector<bool> sliding(s.layers);
  for (int64_t i = 0; i < s.layers; ++i) sliding[i] = (i + 1) % 2 != 0;
  s.layer_windows = layers::layer_windows_from_config(c, s.layers, window, sliding);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

std::unique_ptr<CausalLM> load_gemma3_text(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s = layers::rotary_spec_from_config(
      c, "gemma3_text",
      RotaryDecoderDefaults{.rope_theta = 1000000.0, .max_positions = 131072, .tie_word_embeddings = true,
                            .head_dim = 256, .activation_key = "hidden_activation",
                            .activation = "gelu_pytorch_tanh"});
  gemma_common(c, s);
  s.sandwich_norms = true;
  s.qk_norm = true;
  s.attention_scale = static_cast<float>(1.0 / std::sqrt(c.get_float("query_pre_attn_scalar", 256.0)));
  s.attention_softcap = static_cast<float>(c.get_float("attn_logit_softcapping", 0.0));
  s.final_softcap = static_cast<float>(c.get_float("final_logit_softcapping", 0.0));
  const int64_t window = c.get_int("sliding_window", 4096);
  const int64_t pattern = c.get_dim("sliding_window_pattern", 6, 1 << 16);
  std::vector<bool> sliding(s.layers);
  for (int64_t i = 0; i < s.layers; ++i) sliding[i] = (i + 1) % pattern != 0;
  s.layer_windows = layers::layer_windows_from_config(c, s.layers, window, sliding);
  // Sliding layers use the default rope at rope_local_base_freq, without rope_scaling.
  s.rope_local = layers::RopeSpec::from_config(c, s.head_dim, c.get_float("rope_local_base_freq", 10000.0),
                                               /*with_scaling=*/false);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

}  // namespace hfcpp::models
