// Phi-3: a Llama-style decoder with fused qkv_proj and gate_up_proj, partial rotary embeddings
// and an optional sliding window.
#pragma once

#include <memory>

#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

std::unique_ptr<CausalLM> load_phi3(const ModelConfig& config, WeightSource& weights);

}  // namespace hfcpp::models
