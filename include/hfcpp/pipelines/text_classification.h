// text-classification / sentiment-analysis as transformers' TextClassificationPipeline: one
// forward pass, function_to_apply on the logits, labels from id2label, top_k best.
// Inputs longer than the tokenizer's model_max_length are truncated (transformers' truncation=True;
// without it transformers fails on such inputs).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/pipelines/pipeline_base.h"

namespace hfcpp::pipelines {

enum class ClassificationFunction { Default, Softmax, Sigmoid, None };
// "default|softmax|sigmoid|none" (case-insensitive); throws InvalidArgument otherwise.
ClassificationFunction parse_classification_function(const std::string& name);

struct LabelScore {
  std::string label;
  double score = 0;
};

struct TextClassificationOptions {
  std::optional<int64_t> top_k = 1;  // nullopt: every label, best first
  ClassificationFunction function_to_apply = ClassificationFunction::Default;
};

class TextClassificationPipeline : public PipelineBase {
 public:
  static TextClassificationPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  std::vector<LabelScore> operator()(const std::string& text, const TextClassificationOptions& options = {}) const;
  // Optional second text (a pair, as {"text", "text_pair"}).
  std::vector<LabelScore> classify_pair(const std::string& text, const std::string& text_pair,
                                        const TextClassificationOptions& options = {}) const;

 private:
  std::vector<LabelScore> postprocess(const tensor::Tensor& logits, const TextClassificationOptions& options) const;
};

core::Json to_json(const std::vector<LabelScore>& results);

}  // namespace hfcpp::pipelines
