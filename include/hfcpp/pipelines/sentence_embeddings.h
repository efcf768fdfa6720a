// Sentence embeddings the way sentence-transformers computes them: modules.json's Transformer
// (tokenizer with max_seq_length truncation, the encoder), Pooling (1_Pooling/config.json: CLS,
// mean, max, mean-sqrt-len) and Normalize modules. A plain transformers folder without
// modules.json gets mean pooling, as sentence-transformers does for such models.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hfcpp/models/auto_model.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::pipelines {

struct PoolingConfig {
  bool cls = false, mean = true, max = false, mean_sqrt_len = false;
};

class SentenceEmbedder {
 public:
  static SentenceEmbedder load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});

  // [texts.size(), dimension()] f32, in input order; batches of batch_size texts.
  tensor::Tensor embed(std::span<const std::string> texts, int64_t batch_size = 32) const;
  int64_t dimension() const;
  int64_t max_seq_length() const { return max_seq_length_; }
  bool normalizes() const { return normalize_; }
  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
  std::shared_ptr<const models::EncoderModel> model_;
  std::shared_ptr<tokenizers::Tokenizer> tokenizer_;
  PoolingConfig pooling_;
  bool normalize_ = false;
  int64_t max_seq_length_ = 512;
};

// Cosine similarity of rows i and j of an [N, D] f32 tensor.
float cosine_similarity(const tensor::Tensor& embeddings, int64_t i, int64_t j);

}  // namespace hfcpp::pipelines
