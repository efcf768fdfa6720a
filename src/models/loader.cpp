#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/cache.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"
#include "models/gguf_source.h"
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

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& t : items) list += (list.empty() ? "" : ", ") + t;
  return list;
}

struct ModelFolder {
  std::string folder;
  ModelConfig config;
};

ModelFolder open_config(const std::string& path_or_repo_id) {
  ModelFolder m;
  m.folder = resolve_model_folder(path_or_repo_id);
  const std::string config_path = (fs::path(m.folder) / "config.json").string();
  HFCPP_CHECK(fs::exists(config_path), ErrorCode::NotFound, "[models] no config.json in '{}'", m.folder);
  m.config = ModelConfig::from_file(config_path);
  return m;
}

// The weights of a model folder, refusing pickle checkpoints; the matmul dtype is the option's,
// else config.json's torch_dtype, else each file's own.
WeightSource open_weights(const ModelFolder& m, const LoadOptions& options, std::optional<tensor::DType>* dtype_out) {
  const std::string& folder = m.folder;
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
  if (!dtype) dtype = m.config.torch_dtype();
  *dtype_out = dtype;
  return WeightSource::open(folder, dtype);
}

}  // namespace

std::unique_ptr<EncoderModel> load_encoder(const std::string& path_or_repo_id, const LoadOptions& options) {
  ModelFolder m = open_config(path_or_repo_id);
  const ModelConfig& config = m.config;
  const std::string model_type = config.model_type();
  const ModelRegistry& registry = ModelRegistry::instance();
  const EncoderFactory* factory = registry.find_encoder(model_type);
  if (!factory) {
    HFCPP_CHECK(!registry.find_causal_lm(model_type), ErrorCode::Unsupported,
                "[models] model_type '{}' ({}) is a decoder-only language model, not an encoder: load it "
                "with load_causal_lm (hfcpp run)",
                model_type, config.source());
    HFCPP_THROW(ErrorCode::Unsupported, "[models] model_type '{}' ({}) is not supported; supported: {}",
                model_type, config.source(), join(registry.encoder_types()));
  }
  EncoderTask task = EncoderTask::Base;
  if (options.task) {
    task = *options.task;
  } else {
    auto archs = config.architectures();
    if (!archs.empty()) task = registry.task_of_architecture(archs[0]).value_or(EncoderTask::Base);
  }
  std::optional<tensor::DType> dtype;
  WeightSource weights = open_weights(m, options, &dtype);
  HFCPP_LOG_INFO("loading {} ({}, {}) from {}", model_type, encoder_task_name(task),
                 dtype ? tensor::dtype_name(*dtype) : "file dtype", m.folder);
  try {
    return (*factory)(config, weights, task);
  } catch (Error& e) {
    throw std::move(e).with_context("loading " + m.folder);
  }
}

std::unique_ptr<CausalLM> load_causal_lm(const std::string& path_or_repo_id, const LoadOptions& options) {
  if (auto gguf = find_gguf_model(path_or_repo_id)) return load_causal_lm_gguf(*gguf, options);
  // Quantized matmuls multiply GGUF blocks as the file stores them; other formats have none.
  HFCPP_CHECK(!options.quantized_matmuls, ErrorCode::InvalidArgument,
              "[models] --dtype quantized keeps a GGUF file's block-quantized weights: '{}' is not a .gguf model "
              "(expected auto, f32, bf16 or f16 for it)",
              path_or_repo_id);
  ModelFolder m = open_config(path_or_repo_id);
  const std::string model_type = m.config.model_type();
  const ModelRegistry& registry = ModelRegistry::instance();
  const CausalLMFactory* factory = registry.find_causal_lm(model_type);
  HFCPP_CHECK(factory != nullptr, ErrorCode::Unsupported,
              "[models] model_type '{}' ({}) is not a supported causal language model; supported: {}", model_type,
              m.config.source(), join(registry.causal_lm_types()));
  std::optional<tensor::DType> dtype;
  WeightSource weights = open_weights(m, options, &dtype);
  HFCPP_LOG_INFO("loading {} causal LM ({}) from {}", model_type, dtype ? tensor::dtype_name(*dtype) : "file dtype",
                 m.folder);
  try {
    return (*factory)(m.config, weights);
  } catch (Error& e) {
    throw std::move(e).with_context("loading " + m.folder);
  }
}

}  // namespace hfcpp::models
