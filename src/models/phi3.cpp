#include "models/phi3.h"

#include "models/layers/rotary_decoder.h"

namespace hfcpp::models {

std::unique_ptr<CausalLM> load_phi3(const ModelConfig& c, WeightSource& w) {
  layers::RotaryDecoderSpec s = layers::rotary_spec_from_config(
      c, "phi3", layers::RotaryDecoderDefaults{.max_positions = 4096, .norm_eps = 1e-5});
  s.fused_qkv = true;
  s.fused_gate_up = true;
  const int64_t window = c.get_int("sliding_window", 0);  // null / absent: full attention
  if (window > 0) s.layer_windows.assign(s.layers, window);
  return layers::load_rotary_decoder(c, w, std::move(s));
}

}  // namespace hfcpp::models
