#include "hfcpp/pipelines/feature_extraction.h"

#include "pipeline_model.h"

namespace hfcpp::pipelines {

FeatureExtractionPipeline FeatureExtractionPipeline::load(const std::string& path, const models::LoadOptions& options) {
  FeatureExtractionPipeline p;
  p.impl_ = std::make_shared<detail::PipelineModel>(
      detail::PipelineModel::load(path, options, models::EncoderTask::Base, "feature-extraction"));
  return p;
}

tensor::Tensor FeatureExtractionPipeline::operator()(const std::string& text) const {
  auto enc = impl_->encode(text, static_cast<size_t>(impl_->model_max_length()));
  return impl_->forward(enc).last_hidden_state.contiguous();
}

core::Json features_to_json(const tensor::Tensor& features) {
  const int64_t b = features.size(0), l = features.size(1), h = features.size(2);
  std::vector<float> v = features.to_float_vector();
  core::Json out = core::Json::array();
  for (int64_t i = 0; i < b; ++i) {
    core::Json rows = core::Json::array();
    for (int64_t t = 0; t < l; ++t)
      rows.push_back(std::vector<float>(v.begin() + (i * l + t) * h, v.begin() + (i * l + t + 1) * h));
    out.push_back(std::move(rows));
  }
  return out;
}

}  // namespace hfcpp::pipelines
