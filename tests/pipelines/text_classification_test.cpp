#include "hfcpp/pipelines/text_classification.h"

#include <map>

#include "golden_cases.h"

using namespace hfcpp;
using namespace hfcpp::pipelines;

TEST(TextClassification, MatchesTransformers) {
  std::map<std::string, TextClassificationPipeline> cache;
  hfcpp::testing::check_pipeline_golden(
      "text-classification", [&](const std::string& model, const core::Json& options, const core::Json& input) {
        if (!cache.count(model)) cache.emplace(model, TextClassificationPipeline::load(hfcpp::testing::tiny_model(model)));
        TextClassificationOptions o;
        if (options.contains("top_k"))
          o.top_k = options["top_k"].is_null() ? std::nullopt : std::optional<int64_t>(options["top_k"].get<int64_t>());
        if (options.contains("function_to_apply"))
          o.function_to_apply = parse_classification_function(options["function_to_apply"].get<std::string>());
        return to_json(cache.at(model)(input.get<std::string>(), o));
      });
}

TEST(TextClassification, RejectsBadOptions) {
  EXPECT_THROW(parse_classification_function("tanh"), core::Error);
  auto p = TextClassificationPipeline::load(hfcpp::testing::tiny_model("bert/sequence-classification"));
  TextClassificationOptions o;
  o.top_k = 0;
  EXPECT_THROW(p("hello", o), core::Error);
  EXPECT_THROW(p("bad \xff utf-8"), core::Error);
}
