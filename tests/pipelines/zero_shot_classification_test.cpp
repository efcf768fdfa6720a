#include "hfcpp/pipelines/zero_shot_classification.h"

#include <map>

#include "golden_cases.h"

using namespace hfcpp;
using namespace hfcpp::pipelines;

TEST(ZeroShotClassification, MatchesTransformers) {
  std::map<std::string, ZeroShotClassificationPipeline> cache;
  hfcpp::testing::check_pipeline_golden(
      "zero-shot-classification", [&](const std::string& model, const core::Json& options, const core::Json& input) {
        if (!cache.count(model))
          cache.emplace(model, ZeroShotClassificationPipeline::load(hfcpp::testing::tiny_model(model)));
        ZeroShotOptions o;
        o.candidate_labels = options["candidate_labels"].get<std::vector<std::string>>();
        if (options.contains("multi_label")) o.multi_label = options["multi_label"].get<bool>();
        if (options.contains("hypothesis_template"))
          o.hypothesis_template = options["hypothesis_template"].get<std::string>();
        return to_json(cache.at(model)(input.get<std::string>(), o));
      });
}

TEST(ZeroShotClassification, EntailmentIdAndLabels) {
  auto p = ZeroShotClassificationPipeline::load(hfcpp::testing::tiny_model("bert/nli"));
  EXPECT_EQ(p.entailment_id(), 0);
  EXPECT_EQ(parse_candidate_labels(" a, b ,,c "), (std::vector<std::string>{"a", "b", "c"}));
  ZeroShotOptions o;
  o.candidate_labels = {"x"};
  o.hypothesis_template = "no placeholder";
  EXPECT_THROW(p("text", o), core::Error);
}
