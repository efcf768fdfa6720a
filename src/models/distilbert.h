// DistilBERT: BERT-like blocks with its own weight names (q_lin, sa_layer_norm, ffn.lin1, ...),
// no token types and no pooler. Heads as in transformers.
#pragma once

#include <memory>

#include "hfcpp/models/encoder.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

std::unique_ptr<EncoderModel> load_distilbert(const ModelConfig& config, WeightSource& weights,
                                              EncoderTask task);

}  // namespace hfcpp::models
