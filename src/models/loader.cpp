#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/cache.h"
#include "hfcpp/models/auto_model.h"
#include "models/registry.h"

namespace hfcpp::models {

namespace fs = std::filesystem;

std::optional<tensor::DType> parse_dtype_option(const std::string& text) {
  if (text == "auto") return std::nullopt;
  if (text == "f32" || text == "float32") return tensor::DType::F32;
  if (text == "bf16" || text == "bfloat16") return tensor::DType::BF16;
  if (text == "f16" || text == "float16") return tensor::DType::F16;
  HFCPP_THROW(ErrorCode::Usage, "[models] --dtype '{}' is not one of auto, f32, bf16, f16", text);
}

std::string resolve_model_folder(const std::string& path_or_repo_id) {
  std::string path = hub::resolve_model_path(path_or_repo_id);
  if (fs::is_regular_file(path)) path = fs::path(path).parent_path().string();
  return path;
}

std::vector<std::string> supported_model_types() { return ModelRegistry::instance().model_types(); }

std::unique_ptr<EncoderModel> load_encoder(const std::string& path_or_repo_id, const LoadOptions& options) {
  const std::string folder = resolve_model_folder(path_or_repo_id);
  const std::string config_path = (fs::path(folder) / "config.json").string();
  HFCPP_CHECK(fs::exists(config_path), ErrorCode::NotFound, "[models] no config.json in '{}'", folder);
  ModelConfig config = ModelConfig::from_file(config_path);
  const std::string model_type = config.model_type();
  const ModelRegistry& registry = ModelRegistry::instance();
  const EncoderFactory* factory = registry.find_encoder(model_type);
  if (!factory) {
    std::string list;
    for (const auto& t : registry.model_types()) list += (list.empty() ? "" : ", ") + t;
    HFCPP_THROW(ErrorCode::Unsupported, "[models] model_type '{}' ({}) is not supported; supported: {}",
                model_type, config_path, list);
  }
  EncoderTask task = EncoderTask::Base;
  if (options.task) {
    task = *options.task;
  } else {
    auto archs = config.architectures();
    if (!archs.empty()) task = registry.task_of_architecture(archs[0]).value_or(EncoderTask::Base);
  }
  const bool has_safetensors = fs::exists(fs::path(folder) / "model.safetensors") ||
                               fs::exists(fs::path(folder) / "model.safetensors.index.json");
  if (!has_safetensors) {
    HFCPP_CHECK(!fs::exists(fs::path(folder) / "pytorch_model.bin") &&
                    !fs::exists(fs::path(folder) / "pytorch_model.bin.index.json"),
                ErrorCode::Unsupported,
                "[models] '{}' only has pytorch_model.bin: hfcpp does not read pickle checkpoints "
                "(unpickling can run arbitrary code); convert it to safetensors first",
                folder);
    HFCPP_THROW(ErrorCode::NotFound, "[models] no model.safetensors or model.safetensors.index.json in '{}'", folder);
  }
  std::optional<tensor::DType> dtype = options.dtype;
  if (!dtype) dtype = config.torch_dtype();
  WeightSource weights = WeightSource::open(folder, dtype);
  HFCPP_LOG_INFO("loading {} ({}, {}) from {}", model_type, encoder_task_name(task),
                 dtype ? tensor::dtype_name(*dtype) : "file dtype", folder);
  try {
    return (*factory)(config, weights, task);
  } catch (Error& e) {
    throw std::move(e).with_context("loading " + folder);
  }
}

}  // namespace hfcpp::models
