#include "models/llama.h"

#include "models/layers/rotary_decoder.h"

namespace hfcpp::models {

using layers::RotaryDecoderDefaults;
using layers::RotaryDecoderSpec;

std::unique_ptr<CausalLM> load_llama(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s = layers::rotary_spec_from_config(c, "llama", RotaryDecoderDefaults{.max_positions = 2048});
  const bool attention_bias = c.get_bool("attention_bias", false);
  s.qkv_bias = s.o_bias = attention_bias;
  s.mlp_bias = c.get_bool("mlp_bias", false);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

std::unique_ptr<CausalLM> load_mistral(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s =
      layers::rotary_spec_from_config(c, "mistral", RotaryDecoderDefaults{.max_positions = 4096 * 32});
  // sliding_window: 4096 when absent, no window when null; every layer slides.
  const bool explicit_null = c.json().contains("sliding_window") && c.json().at("sliding_window").is_null();
  const int64_t window = explicit_null ? 0 : c.get_int("sliding_window", 4096);
  if (window > 0) s.layer_windows.assign(s.layers, window);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

namespace {
// Qwen2/3: sliding_window only with use_sliding_window, on layers >= max_window_layers, unless
// layer_types lists them.
void qwen_windows(const ModelConfig& c, RotaryDecoderSpec& s) {
  const bool use_sliding = c.get_bool("use_sliding_window", false);
  const int64_t window = use_sliding ? c.get_int("sliding_window", 4096) : 0;
  const int64_t max_window_layers = c.get_int("max_window_layers", 28);
  std::vector<bool> sliding(s.layers);
  for (int64_t i = 0; i < s.layers; ++i) sliding[i] = window > 0 && i >= max_window_layers;
  s.layer_windows = layers::layer_windows_from_config(c, s.layers, window, sliding);
}
}  // namespace

std::unique_ptr<CausalLM> load_qwen2(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s = layers::rotary_spec_from_config(c, "qwen2", RotaryDecoderDefaults{.max_positions = 32768});
  s.qkv_bias = true;  // Qwen2 always has q/k/v biases and no o_proj bias
  qwen_windows(c, s);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

std::unique_ptr<CausalLM> load_qwen3(const ModelConfig& c, WeightSource& w) {
  RotaryDecoderSpec s = layers::rotary_spec_from_config(
      c, "qwen3", RotaryDecoderDefaults{.max_positions = 32768, .head_dim = 128});
  s.qkv_bias = s.o_bias = c.get_bool("attention_bias", false);
  s.qk_norm = true;
  qwen_windows(c, s);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

}  // namespace hfcpp::models
