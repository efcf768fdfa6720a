#include "hfcpp/pipelines/token_classification.h"

#include <map>

#include "golden_cases.h"

using namespace hfcpp;
using namespace hfcpp::pipelines;

TEST(TokenClassification, MatchesTransformers) {
  std::map<std::string, TokenClassificationPipeline> cache;
  hfcpp::testing::check_pipeline_golden(
      "token-classification", [&](const std::string& model, const core::Json& options, const core::Json& input) {
        if (!cache.count(model)) cache.emplace(model, TokenClassificationPipeline::load(hfcpp::testing::tiny_model(model)));
        TokenClassificationOptions o;
        if (options.contains("aggregation_strategy"))
          o.aggregation_strategy = parse_aggregation_strategy(options["aggregation_strategy"].get<std::string>());
        if (options.contains("ignore_labels")) o.ignore_labels = options["ignore_labels"].get<std::vector<std::string>>();
        return to_json(cache.at(model)(input.get<std::string>(), o), o.aggregation_strategy);
      });
}

TEST(TokenClassification, RejectsBadOptions) {
  EXPECT_THROW(parse_aggregation_strategy("mean"), core::Error);
}
