// GPT-2: learned absolute positions, LayerNorm, Conv1D projections (weights stored [in, out]),
// fused c_attn, GELU-tanh MLP, LM head tied to the token embeddings.
#pragma once

#include <memory>

#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

std::unique_ptr<CausalLM> load_gpt2(const ModelConfig& config, WeightSource& weights);

}  // namespace hfcpp::models
