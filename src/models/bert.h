// BERT and its variants that share the same blocks: RoBERTa, XLM-RoBERTa, CamemBERT (positions
// offset by the padding index, no token types). Heads: base (+ pooler), sequence / token
// classification, question answering, masked LM — with transformers' weight names.
#pragma once

#include <memory>

#include "hfcpp/models/encoder.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

enum class BertVariant { Bert, Roberta };

std::unique_ptr<EncoderModel> load_bert_family(const ModelConfig& config, WeightSource& weights,
                                               EncoderTask task, BertVariant variant);
inline std::unique_ptr<EncoderModel> load_bert(const ModelConfig& c, WeightSource& w, EncoderTask t) {
  return load_bert_family(c, w, t, BertVariant::Bert);
}
inline std::unique_ptr<EncoderModel> load_roberta(const ModelConfig& c, WeightSource& w, EncoderTask t) {
  return load_bert_family(c, w, t, BertVariant::Roberta);
}

}  // namespace hfcpp::models
