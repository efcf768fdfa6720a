// Llama-family decoders that differ only in config and a few switches: Llama (2, 3, 3.x, SmolLM),
// Mistral (sliding window), Qwen2 / Qwen2.5 (q/k/v biases), Qwen3 (q/k RMSNorm).
#pragma once

#include <memory>

#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

std::unique_ptr<CausalLM> load_llama(const ModelConfig& config, WeightSource& weights);
std::unique_ptr<CausalLM> load_mistral(const ModelConfig& config, WeightSource& weights);
std::unique_ptr<CausalLM> load_qwen2(const ModelConfig& config, WeightSource& weights);
std::unique_ptr<CausalLM> load_qwen3(const ModelConfig& config, WeightSource& weights);

}  // namespace hfcpp::models
