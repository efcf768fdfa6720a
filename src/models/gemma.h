// Gemma decoders: Gemma (RMSNorm with (1 + w), embeddings * sqrt(hidden), GELU-tanh MLP),
// Gemma 2 (+ pre/post norms around attention and MLP, logit soft-capping, alternating sliding
// window, query_pre_attn_scalar) and Gemma 3 text (+ q/k norms, a local rope base for sliding layers).
#pragma once

#include <memory>

#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

std::unique_ptr<CausalLM> load_gemma(const ModelConfig& config, WeightSource& weights);
std::unique_ptr<CausalLM> load_gemma2(const ModelConfig& config, WeightSource& weights);
std::unique_ptr<CausalLM> load_gemma3_text(const ModelConfig& config, WeightSource& weights);

}  // namespace hfcpp::models
