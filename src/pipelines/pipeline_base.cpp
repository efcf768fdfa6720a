#include "hfcpp/pipelines/pipeline_base.h"

#include "pipeline_model.h"

namespace hfcpp::pipelines {

const std::string& PipelineBase::folder() const { return impl_->folder(); }
const models::EncoderModel& PipelineBase::model() const { return impl_->model(); }

}  // namespace hfcpp::pipelines
