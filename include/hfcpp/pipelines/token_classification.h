// token-classification / ner as transformers' TokenClassificationPipeline: per-token softmax,
// then aggregation_strategy none (one entity per token, with "index"), simple (adjacent tokens of
// one entity grouped, B-/I- tags), first / average / max (subwords forced to agree per word, then
// grouped). Offsets are character (code point) offsets into the input. Inputs longer than
// model_max_length are truncated, as the reference does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/pipelines/pipeline_base.h"

namespace hfcpp::pipelines {

enum class AggregationStrategy { None, Simple, First, Average, Max };
AggregationStrategy parse_aggregation_strategy(const std::string& name);  // case-insensitive

struct TokenEntity {
  std::string entity;  // "entity" (strategy none) or "entity_group" (otherwise)
  double score = 0;
  std::optional<int64_t> index;  // token index, strategy none only
  std::string word;
  int64_t start = 0, end = 0;
};

struct TokenClassificationOptions {
  AggregationStrategy aggregation_strategy = AggregationStrategy::None;
  std::vector<std::string> ignore_labels = {"O"};
};

class TokenClassificationPipeline : public PipelineBase {
 public:
  static TokenClassificationPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  std::vector<TokenEntity> operator()(const std::string& text, const TokenClassificationOptions& options = {}) const;
};

core::Json to_json(const std::vector<TokenEntity>& entities, AggregationStrategy strategy);

}  // namespace hfcpp::pipelines
