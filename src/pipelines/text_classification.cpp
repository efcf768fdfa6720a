#include "hfcpp/pipelines/text_classification.h"

#include <algorithm>
#include <cctype>

#include "hfcpp/core/error.h"
#include "pipeline_model.h"

namespace hfcpp::pipelines {

ClassificationFunction parse_classification_function(const std::string& name) {
  std::string n = name;
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "default" || n.empty()) return ClassificationFunction::Default;
  if (n == "softmax") return ClassificationFunction::Softmax;
  if (n == "sigmoid") return ClassificationFunction::Sigmoid;
  if (n == "none") return ClassificationFunction::None;
  HFCPP_THROW(ErrorCode::InvalidArgument, "[text-classification] function_to_apply '{}': expected softmax, sigmoid or none",
              name);
}

TextClassificationPipeline TextClassificationPipeline::load(const std::string& path, const models::LoadOptions& options) {
  TextClassificationPipeline p;
  p.impl_ = std::make_shared<detail::PipelineModel>(
      detail::PipelineModel::load(path, options, models::EncoderTask::SequenceClassification, "text-classification"));
  return p;
}

std::vector<LabelScore> TextClassificationPipeline::operator()(const std::string& text,
                                                               const TextClassificationOptions& options) const {
  auto enc = impl_->encode(text, static_cast<size_t>(impl_->model_max_length()));
  return postprocess(impl_->forward(enc).logits, options);
}

std::vector<LabelScore> TextClassificationPipeline::classify_pair(const std::string& text, const std::string& pair,
                                                                  const TextClassificationOptions& options) const {
  std::optional<tokenizers::TruncationParams> trunc;
  if (impl_->model_max_length() > 0) {
    trunc.emplace();
    trunc->max_length = static_cast<size_t>(impl_->model_max_length());
  }
  auto enc = impl_->encode_pair(text, pair, trunc);
  return postprocess(impl_->forward(enc).logits, options);
}

std::vector<LabelScore> TextClassificationPipeline::postprocess(const tensor::Tensor& logits_tensor,
                                                                const TextClassificationOptions& options) const {
  const auto& config = impl_->model().config();
  const auto& labels = impl_->model().labels();
  std::vector<float> logits = logits_tensor.to_float_vector();
  HFCPP_CHECK(logits.size() == labels.size(), ErrorCode::Internal,
              "[text-classification] logits have {} values, expected num_labels = {}", logits.size(), labels.size());
  ClassificationFunction fn = options.function_to_apply;
  if (fn == ClassificationFunction::Default) {
    // transformers: regression -> none; multi-label or a single label -> sigmoid; else softmax.
    const std::string problem = config.get_string("problem_type", "");
    if (problem == "regression")
      fn = ClassificationFunction::None;
    else if (problem == "multi_label_classification" || labels.size() == 1)
      fn = ClassificationFunction::Sigmoid;
    else
      fn = ClassificationFunction::Softmax;
  }
  std::vector<double> scores(logits.begin(), logits.end());
  if (fn == ClassificationFunction::Softmax) scores = detail::softmax(logits.data(), logits.size());
  if (fn == ClassificationFunction::Sigmoid)
    for (auto& s : scores) s = detail::sigmoid(s);
  std::vector<LabelScore> out;
  for (size_t i = 0; i < scores.size(); ++i) out.push_back({labels[i], scores[i]});
  std::stable_sort(out.begin(), out.end(), [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
  if (options.top_k) {
    HFCPP_CHECK(*options.top_k >= 1, ErrorCode::InvalidArgument, "[text-classification] top_k is {}, expected >= 1",
                *options.top_k);
    out.resize(std::min<size_t>(out.size(), static_cast<size_t>(*options.top_k)));
  }
  return out;
}

core::Json to_json(const std::vector<LabelScore>& results) {
  core::Json out = core::Json::array();
  for (const auto& r : results) out.push_back({{"label", r.label}, {"score", r.score}});
  return out;
}

}  // namespace hfcpp::pipelines
