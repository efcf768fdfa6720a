// Encoder models (BERT family): inputs, outputs and the interface every architecture implements.
// Models are const after load and may be shared across threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hfcpp/models/config.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models {

using tensor::Tensor;

enum class EncoderTask {
  Base,                    // AutoModel: last_hidden_state (+ pooler_output where the model has one)
  SequenceClassification,  // logits [B, num_labels]
  TokenClassification,     // logits [B, L, num_labels]
  QuestionAnswering,       // start_logits, end_logits [B, L]
  MaskedLM,                // logits [B, L, vocab]
};
const char* encoder_task_name(EncoderTask task);

struct EncoderBatch {
  Tensor input_ids;       // [B, L] I64 (or I32)
  Tensor attention_mask;  // [B, L], nonzero = real token; undefined = all ones
  Tensor token_type_ids;  // [B, L]; undefined = zeros
  bool output_hidden_states = false;
};

struct EncoderOutput {
  Tensor last_hidden_state;           // [B, L, H] f32
  Tensor pooler_output;               // [B, H] when the model has a pooler
  std::vector<Tensor> hidden_states;  // embeddings + each layer, when asked
  Tensor logits;
  Tensor start_logits, end_logits;
};

class EncoderModel {
 public:
  virtual ~EncoderModel() = default;
  virtual EncoderOutput forward(const EncoderBatch& batch) const = 0;
  virtual EncoderTask task() const = 0;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t max_positions() const = 0;
  const ModelConfig& config() const { return config_; }
  // The label of each output class (id2label), for classification heads.
  const std::vector<std::string>& labels() const { return labels_; }

 protected:
  ModelConfig config_;
  std::vector<std::string> labels_;
};

}  // namespace hfcpp::models
