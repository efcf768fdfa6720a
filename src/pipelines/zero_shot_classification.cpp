#include "hfcpp/pipelines/zero_shot_classification.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "hfcpp/core/error.h"
#include "pipeline_model.h"

namespace hfcpp::pipelines {

namespace {

std::string strip(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Python's str.format with one positional field: every "{}" becomes the label.
std::string format_template(const std::string& tmpl, const std::string& label) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 2, "{}") == 0) {
      out += label;
      ++i;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> parse_candidate_labels(const std::string& text) {
  std::vector<std::string> labels;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string label = strip(text.substr(pos, comma - pos));
    if (!label.empty()) labels.push_back(label);
    pos = comma + 1;
  }
  return labels;
}

ZeroShotClassificationPipeline ZeroShotClassificationPipeline::load(const std::string& path,
                                                                    const models::LoadOptions& options) {
  ZeroShotClassificationPipeline p;
  p.impl_ = std::make_shared<detail::PipelineModel>(detail::PipelineModel::load(
      path, options, models::EncoderTask::SequenceClassification, "zero-shot-classification"));
  return p;
}

int64_t ZeroShotClassificationPipeline::entailment_id() const {
  const auto& json = impl_->model().config().json();
  auto it = json.find("label2id");
  if (it != json.end() && it->is_object()) {
    for (auto& [label, id] : it->items()) {
      std::string lower = label;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("entail", 0) == 0 && id.is_number_integer()) return id.get<int64_t>();
    }
    return -1;
  }
  // No label2id: id2label (as config.labels() reads it) gives the same mapping.
  const auto& labels = impl_->model().labels();
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string lower = labels[i];
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("entail", 0) == 0) return static_cast<int64_t>(i);
  }
  return -1;
}

ZeroShotResult ZeroShotClassificationPipeline::operator()(const std::string& sequence, const ZeroShotOptions& o) const {
  const auto& pm = *impl_;
  HFCPP_CHECK(!o.candidate_labels.empty() && !sequence.empty(), ErrorCode::InvalidArgument,
              "[zero-shot-classification] you must include at least one label and at least one sequence (got {} labels, a "
              "{}-byte sequence)",
              o.candidate_labels.size(), sequence.size());
  HFCPP_CHECK(format_template(o.hypothesis_template, o.candidate_labels[0]) != o.hypothesis_template,
              ErrorCode::InvalidArgument,
              "[zero-shot-classification] hypothesis_template '{}' has no {{}} for the label", o.hypothesis_template);
  const int64_t n_classes = static_cast<int64_t>(pm.model().labels().size());
  int64_t entail = entailment_id();
  // Python's negative indexing: -1 is the last class.
  const int64_t entail_col = entail < 0 ? n_classes + entail : entail;
  const int64_t contra_col = entail == 0 ? n_classes - 1 : 0;
  HFCPP_CHECK(n_classes >= 2 && entail_col >= 0 && entail_col < n_classes, ErrorCode::Format,
              "[zero-shot-classification] {}: an NLI model with >= 2 labels is needed, got {}", pm.folder(), n_classes);

  std::optional<tokenizers::TruncationParams> trunc;
  if (pm.model_max_length() > 0) {
    trunc.emplace();
    trunc->max_length = static_cast<size_t>(pm.model_max_length());
    trunc->strategy = tokenizers::TruncationStrategy::OnlyFirst;
  }
  const size_t n = o.candidate_labels.size();
  std::vector<double> entail_logit(n), contra_logit(n);
  for (size_t i = 0; i < n; ++i) {
    auto enc = pm.encode_pair(sequence, format_template(o.hypothesis_template, o.candidate_labels[i]), trunc);
    std::vector<float> logits = pm.forward(enc).logits.to_float_vector();
    entail_logit[i] = logits[static_cast<size_t>(entail_col)];
    contra_logit[i] = logits[static_cast<size_t>(contra_col)];
  }
  std::vector<double> scores(n);
  if (o.multi_label || n == 1) {
    for (size_t i = 0; i < n; ++i) {
      double a = std::exp(contra_logit[i]), b = std::exp(entail_logit[i]);
      scores[i] = b / (a + b);
    }
  } else {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += scores[i] = std::exp(entail_logit[i]);
    for (auto& s : scores) s /= sum;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // reversed(argsort): best first; among equal scores the later label comes first.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  std::reverse(order.begin(), order.end());
  ZeroShotResult r;
  r.sequence = sequence;
  for (size_t i : order) {
    r.labels.push_back(o.candidate_labels[i]);
    r.scores.push_back(scores[i]);
  }
  return r;
}

core::Json to_json(const ZeroShotResult& r) {
  return {{"sequence", r.sequence}, {"labels", r.labels}, {"scores", r.scores}};
}

}  // namespace hfcpp::pipelines
