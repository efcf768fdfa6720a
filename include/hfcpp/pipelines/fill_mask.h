// fill-mask as transformers' FillMaskPipeline: softmax over the vocabulary at each mask token,
// top_k best (or the best among targets), each with the sequence re-decoded with the prediction
// in place (special tokens skipped when the input has a single mask).
#pragma once

#include <string>
#include <vector>

#include "hfcpp/pipelines/pipeline_base.h"

namespace hfcpp::pipelines {

struct FillMaskOptions {
  int64_t top_k = 5;
  // Candidate tokens; a target that is not a vocabulary entry is tokenized and its first token used.
  std::vector<std::string> targets;
};

struct MaskPrediction {
  double score = 0;
  int64_t token = 0;
  std::string token_str;
  std::string sequence;
};

class FillMaskPipeline : public PipelineBase {
 public:
  static FillMaskPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  // One list of predictions per mask token in the text (at least one mask is required).
  std::vector<std::vector<MaskPrediction>> operator()(const std::string& text, const FillMaskOptions& options = {}) const;
  std::string mask_token() const;
};

// A single mask -> a list of predictions; several -> a list per mask (the reference's shape).
core::Json to_json(const std::vector<std::vector<MaskPrediction>>& predictions);

}  // namespace hfcpp::pipelines
