// Rotary position embeddings as transformers computes them (modeling_rope_utils.py): the
// inverse frequencies of config.json's rope_scaling ("default", "linear", "dynamic", "yarn",
// "llama3", "longrope"), an attention factor applied to cos/sin, and cos/sin tables per forward.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "hfcpp/models/config.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models::layers {

using tensor::Tensor;

struct RopeSpec {
  enum class Type { Default, Linear, Dynamic, Yarn, Llama3, LongRope, FreqFactors };
  Type type = Type::Default;
  double theta = 10000.0;
  int64_t rotary_dim = 0;       // int(head_dim * partial_rotary_factor)
  int64_t max_positions = 2048;  // max_position_embeddings
  double factor = 1.0;
  // yarn
  std::optional<double> attention_factor, mscale, mscale_all_dim;
  double beta_fast = 32.0, beta_slow = 1.0;
  bool truncate = true;
  int64_t original_max_positions = 0;
  // llama3
  double low_freq_factor = 1.0, high_freq_factor = 4.0;
  // longrope (Phi-3): per-frequency divisors, long ones beyond original_max_positions
  std::vector<float> short_factor, long_factor;
  // freq_factors: llama.cpp's rope_freqs tensor (from GGUF files), a divisor per frequency
  std::vector<float> freq_factors;

  // From config.json: rope_theta (or `theta`), partial_rotary_factor, max_position_embeddings and
  // rope_scaling (null = default). Unknown rope types are Unsupported, naming the supported ones.
  static RopeSpec from_config(const ModelConfig& config, int64_t head_dim, double theta, bool with_scaling = true);
};

class RotaryEmbedding {
 public:
  RotaryEmbedding() = default;
  explicit RotaryEmbedding(RopeSpec spec);
  // cos, sin: F32 [B, T, rotary_dim / 2] for positions [B, T] (I64), attention factor applied.
  std::pair<Tensor, Tensor> tables(const Tensor& positions) const;
  int64_t rotary_dim() const { return spec_.rotary_dim; }

 private:
  RopeSpec spec_;
  std::vector<float> inv_freq_;
  std::vector<float> long_inv_freq_;  // longrope: used when a position reaches original_max_positions
  float attention_scaling_ = 1.0f;
};

}  // namespace hfcpp::models::layers
