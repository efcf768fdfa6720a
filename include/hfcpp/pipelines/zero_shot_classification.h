// zero-shot-classification as transformers' ZeroShotClassificationPipeline: each candidate label
// becomes the hypothesis hypothesis_template.format(label) of an NLI pair (premise truncated
// only_first); the entailment logit (label2id entry starting with "entail") is softmaxed across
// labels, or with multi_label (or a single label) entailment vs contradiction per label.
#pragma once

#include <string>
#include <vector>

#include "hfcpp/pipelines/pipeline_base.h"

namespace hfcpp::pipelines {

struct ZeroShotOptions {
  std::vector<std::string> candidate_labels;
  std::string hypothesis_template = "This example is {}.";
  bool multi_label = false;
};

struct ZeroShotResult {
  std::string sequence;
  std::vector<std::string> labels;  // best first
  std::vector<double> scores;
};

class ZeroShotClassificationPipeline : public PipelineBase {
 public:
  static ZeroShotClassificationPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  ZeroShotResult operator()(const std::string& sequence, const ZeroShotOptions& options) const;
  // The entailment class id (-1 when no label starts with "entail", as the reference).
  int64_t entailment_id() const;
};

// "a, b,c" -> {"a","b","c"}, as the reference parses a comma-separated label string.
std::vector<std::string> parse_candidate_labels(const std::string& text);

core::Json to_json(const ZeroShotResult& result);

}  // namespace hfcpp::pipelines
