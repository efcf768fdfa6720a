#include "hfcpp/pipelines/fill_mask.h"

#include <map>

#include "golden_cases.h"

using namespace hfcpp;
using namespace hfcpp::pipelines;

TEST(FillMask, MatchesTransformers) {
  std::map<std::string, FillMaskPipeline> cache;
  hfcpp::testing::check_pipeline_golden(
      "fill-mask", [&](const std::string& model, const core::Json& options, const core::Json& input) {
        if (!cache.count(model)) cache.emplace(model, FillMaskPipeline::load(hfcpp::testing::tiny_model(model)));
        FillMaskOptions o;
        if (options.contains("top_k")) o.top_k = options["top_k"].get<int64_t>();
        if (options.contains("targets")) o.targets = options["targets"].get<std::vector<std::string>>();
        return to_json(cache.at(model)(input.get<std::string>(), o));
      });
}

TEST(FillMask, RequiresAMask) {
  auto p = FillMaskPipeline::load(hfcpp::testing::tiny_model("bert/masked-lm"));
  EXPECT_THROW(p("no mask here"), core::Error);
  EXPECT_THROW(p(""), core::Error);
}
