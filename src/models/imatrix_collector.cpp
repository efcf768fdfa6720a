#include "hfcpp/models/imatrix_collector.h"

#include "hfcpp/core/error.h"
#include "models/gguf_source.h"

namespace hfcpp::models {

GgufNameMap gguf_names_of(const std::string& gguf_path) {
  const formats::GgufFile file = formats::GgufFile::open(gguf_path);
  const std::string arch = file.get_string("general.architecture").value_or("llama");
  GgufNameMap out;
  for (const auto& t : file.tensors())
    if (auto hf = hf_name_of_gguf_tensor(t.name, arch)) out.emplace(std::move(*hf), t.name);
  return out;
}

ImatrixCollector::ImatrixCollector(formats::ImatrixStats& stats, GgufNameMap names, bool process_output)
    : stats_(stats), names_(std::move(names)), process_output_(process_output) {}

void ImatrixCollector::on_linear_input(std::string_view weight, const tensor::Tensor& x) {
  const auto it = names_.find(weight);
  if (it == names_.end()) return;
  const std::string& name = it->second;
  if (name.rfind("blk.", 0) != 0 && !(process_output_ && name == "output.weight")) return;
  const tensor::Tensor f32 = x.dtype() == tensor::DType::F32 ? x.contiguous() : x.to(tensor::DType::F32).contiguous();
  HFCPP_CHECK(f32.dim() >= 1, ErrorCode::Internal, "[imatrix] '{}': a scalar input", name);
  const int64_t cols = f32.size(-1);
  const int64_t rows = cols == 0 ? 0 : f32.numel() / cols;
  stats_.accumulate(name, f32.data<float>(), rows, cols);
  ++calls_;
}

}  // namespace hfcpp::models
