#include "hfcpp/pipelines/feature_extraction.h"

#include <map>

#include "golden_cases.h"

using namespace hfcpp;
using namespace hfcpp::pipelines;

TEST(FeatureExtraction, MatchesTransformers) {
  std::map<std::string, FeatureExtractionPipeline> cache;
  hfcpp::testing::check_pipeline_golden(
      "feature-extraction", [&](const std::string& model, const core::Json&, const core::Json& input) {
        if (!cache.count(model)) cache.emplace(model, FeatureExtractionPipeline::load(hfcpp::testing::tiny_model(model)));
        return features_to_json(cache.at(model)(input.get<std::string>()));
      });
}
