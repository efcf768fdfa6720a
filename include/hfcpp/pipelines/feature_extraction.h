// feature-extraction as transformers' FeatureExtractionPipeline: the base model's
// last_hidden_state for one text, [1, tokens, hidden] (the reference's nested lists). Inputs
// longer than model_max_length are truncated (the reference's truncation=True).
#pragma once

#include <string>

#include "hfcpp/pipelines/pipeline_base.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::pipelines {

class FeatureExtractionPipeline : public PipelineBase {
 public:
  static FeatureExtractionPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  tensor::Tensor operator()(const std::string& text) const;  // [1, L, H] f32
};

// [1, L, H] -> nested lists.
core::Json features_to_json(const tensor::Tensor& features);

}  // namespace hfcpp::pipelines
