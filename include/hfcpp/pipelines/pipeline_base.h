// What every task pipeline shares: the loaded encoder + tokenizer (opaque here) and the JSON
// form of results, shaped as transformers' pipelines return them for one input.
#pragma once

#include <memory>
#include <string>

#include "hfcpp/core/json.h"
#include "hfcpp/models/auto_model.h"

namespace hfcpp::pipelines {

namespace detail {
class PipelineModel;
}

class PipelineBase {
 public:
  const std::string& folder() const;
  const models::EncoderModel& model() const;

 protected:
  std::shared_ptr<const detail::PipelineModel> impl_;
};

}  // namespace hfcpp::pipelines
