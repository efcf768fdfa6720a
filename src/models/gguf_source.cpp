// GGUF metadata -> config.json (as transformers' load_gguf_checkpoint builds it) and llama.cpp
// tensor names -> Hugging Face names.
#include "models/gguf_source.h"

#include <array>
#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/cache.h"
#include "models/gguf_gemma3.h"
#include "models/gguf_names.h"
#include "models/registry.h"

namespace hfcpp::models {

bool is_gguf_path(const std::string& path) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0) return true;
  if (!std::filesystem::is_regular_file(path)) return false;
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, 4);
  return in.gcount() == 4 && std::string_view(magic, 4) == "GGUF";
}

std::optional<std::string> find_gguf_model(const std::string& path_or_repo_id) {
  namespace fs = std::filesystem;
  if (fs::is_regular_file(path_or_repo_id)) {
    if (is_gguf_path(path_or_repo_id)) return path_or_repo_id;
    return std::nullopt;
  }
  if (!fs::is_directory(path_or_repo_id) && is_gguf_path(path_or_repo_id))
    return path_or_repo_id;  // a missing x.gguf: the GGUF reader says NotFound
  std::string folder;
  try {
    folder = hub::resolve_model_path(path_or_repo_id);
  } catch (const Error&) {
    return std::nullopt;  // the regular loader reports what is missing
  }
  if (fs::is_regular_file(folder)) return is_gguf_path(folder) ? std::optional(folder) : std::nullopt;
  if (!fs::is_directory(folder) || fs::exists(fs::path(folder) / "config.json")) return std::nullopt;
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".gguf") found.push_back(entry.path().string());
  if (found.size() == 1) return found[0];
  return std::nullopt;
}

std::unique_ptr<CausalLM> load_causal_lm_gguf(const std::string& gguf_path, const LoadOptions& options) {
  WeightSource weights = WeightSource::open_gguf(gguf_path, options.dtype, options.quantized_matmuls);
  try {
    // The file is mapped once: config and weights read the same GgufFile.
    const ModelConfig config = config_from_gguf(formats::GgufFile::open(gguf_path));
    const std::string model_type = config.model_type();
    const CausalLMFactory* factory = ModelRegistry::instance().find_causal_lm(model_type);
    HFCPP_CHECK(factory != nullptr, ErrorCode::Unsupported,
                "[models] GGUF model_type '{}' has no causal LM implementation in hfcpp", model_type);
    HFCPP_LOG_INFO("loading {} causal LM from GGUF {} ({})", model_type, gguf_path,
                   options.dtype                ? tensor::dtype_name(*options.dtype)
                   : options.quantized_matmuls ? "block-quantized matmul weights kept quantized"
                                                : "block types dequantized to f32");
    return (*factory)(config, weights);
  } catch (Error& e) {
    throw std::move(e).with_context("loading " + gguf_path);
  }
}

namespace {

// Architectures whose GGUF hfcpp maps, with the transformers classes they stand for.
struct GgufArch {
  std::string_view gguf;
  std::string_view model_type;
  std::string_view hf_class;
  bool gemma_norms = false;  // RMSNorm weights stored as 1 + w, Gemma hyperparameters (gguf_gemma3.h)
  const GgufNameScheme* names = &kLlamaNameScheme;
};
constexpr std::array<GgufArch, 8> kArchs = {{{"llama", "llama", "LlamaForCausalLM"},
                                             {"qwen2", "qwen2", "Qwen2ForCausalLM"},
                                             {"qwen3", "qwen3", "Qwen3ForCausalLM"},
                                             {"gemma", "gemma", "GemmaForCausalLM", true},
                                             {"gemma2", "gemma2", "Gemma2ForCausalLM", true, &kGemma2NameScheme},
                                             {"gemma3", "gemma3_text", "Gemma3ForCausalLM", true, &kGemma2NameScheme},
                                             {"phi3", "phi3", "Phi3ForCausalLM", false, &kPhi3NameScheme},
                                             {"gpt2", "gpt2", "GPT2LMHeadModel", false, &kGpt2NameScheme}}};

std::vector<float> vector_tensor(const formats::GgufFile& file, const std::string& name) {
  const tensor::Tensor t = file.tensor(name).to(tensor::DType::F32).contiguous();
  HFCPP_CHECK(t.dim() == 1, ErrorCode::Format, "[models] GGUF '{}': {} has {} dims, expected 1", file.path(), name,
              t.dim());
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

// What Phi3Config needs beyond the common keys, as Phi3MiniModel wrote them: rope.dimension_count
// is the rotary width (partial_rotary_factor * head_dim), rope.scaling.original_context_length the
// pre-extension context, and longrope's factors are the rope_factors_long / _short tensors with
// rope.scaling.attn_factor beside them. sliding_window 0 stands for none (llama.cpp ignores Phi-3's
// window altogether; hfcpp keeps it, as transformers does).
void add_phi3_config(const formats::GgufFile& file, core::Json& c) {
  const int64_t hidden = c.at("hidden_size").get<int64_t>(), heads = c.at("num_attention_heads").get<int64_t>();
  HFCPP_CHECK(heads > 0 && hidden % heads == 0, ErrorCode::Format,
              "[models] GGUF '{}': phi3.embedding_length {} is not a multiple of phi3.attention.head_count {}",
              file.path(), hidden, heads);
  if (c.contains("head_dim")) {
    const int64_t rotary = c["head_dim"].get<int64_t>(), head_dim = hidden / heads;
    if (rotary != head_dim) c["partial_rotary_factor"] = static_cast<double>(rotary) / static_cast<double>(head_dim);
    c.erase("head_dim");  // Phi3Config derives it from hidden_size / num_attention_heads
  }
  if (auto orig = file.get_int("phi3.rope.scaling.original_context_length"))
    c["original_max_position_embeddings"] = *orig;
  const int64_t window = file.get_int("phi3.attention.sliding_window").value_or(0);
  c["sliding_window"] = window > 0 ? core::Json(window) : core::Json();
  const bool has_long = file.find_tensor("rope_factors_long.weight") != nullptr;
  const bool has_short = file.find_tensor("rope_factors_short.weight") != nullptr;
  HFCPP_CHECK(has_long == has_short, ErrorCode::Format,
              "[models] GGUF '{}' has only one of rope_factors_long.weight and rope_factors_short.weight", file.path());
  if (!has_long) return;
  HFCPP_CHECK(!c.contains("rope_scaling"), ErrorCode::Unsupported,
              "[models] GGUF '{}' has both rope scaling keys and rope_factors tensors", file.path());
  core::Json scaling = {{"rope_type", "longrope"},
                        {"long_factor", vector_tensor(file, "rope_factors_long.weight")},
                        {"short_factor", vector_tensor(file, "rope_factors_short.weight")}};
  if (auto f = file.get_float("phi3.rope.scaling.attn_factor")) scaling["attention_factor"] = *f;
  c["rope_scaling"] = std::move(scaling);
}

const GgufArch* find_arch(std::string_view arch) {
  for (const auto& a : kArchs)
    if (a.gguf == arch) return &a;
  return nullptr;
}

const GgufArch& arch_of(const formats::GgufFile& file) {
  const std::string arch = file.architecture();
  if (const GgufArch* a = find_arch(arch)) return *a;
  std::string list;
  for (const auto& a : kArchs) list += (list.empty() ? "" : ", ") + std::string(a.gguf);
  HFCPP_THROW(ErrorCode::Unsupported, "[models] GGUF architecture '{}' in '{}' cannot be loaded yet; supported: {}",
              arch, file.path(), list);
}

}  // namespace

std::optional<std::string> hf_name_of_gguf_tensor(std::string_view name, std::string_view arch) {
  const GgufArch* a = find_arch(arch);
  return hf_name_of(name, a != nullptr ? *a->names : kLlamaNameScheme);
}

ModelConfig config_from_gguf(const formats::GgufFile& file) {
  const GgufArch& arch = arch_of(file);
  const std::string p = std::string(arch.gguf) + ".";
  core::Json c = core::Json::object();
  c["model_type"] = arch.model_type;
  c["architectures"] = {arch.hf_class};
  auto required_int = [&](const char* key, const char* hf_key) {
    auto v = file.get_int(p + key);
    HFCPP_CHECK(v.has_value(), ErrorCode::Format, "[models] GGUF '{}' has no {}{} key, expected it for {}",
                file.path(), p, key, hf_key);
    c[hf_key] = *v;
  };
  auto optional_int = [&](const char* key, const char* hf_key) {
    if (auto v = file.get_int(p + key)) c[hf_key] = *v;
  };
  auto optional_float = [&](const char* key, const char* hf_key) {
    if (auto v = file.get_float(p + key)) c[hf_key] = *v;
  };
  if (arch.gguf == "gpt2") {
    // GPT2Config's own key names (transformers maps hidden_size etc. onto them).
    required_int("embedding_length", "n_embd");
    required_int("block_count", "n_layer");
    required_int("feed_forward_length", "n_inner");
    required_int("attention.head_count", "n_head");
    // The position table's rows, not context_length: GPT2Model writes n_ctx there when a config has it.
    if (const auto* wpe = file.find_tensor("position_embd.weight"); wpe != nullptr && wpe->shape().size() == 2)
      c["n_positions"] = wpe->shape()[0];
    else
      required_int("context_length", "n_positions");
    optional_float("attention.layer_norm_epsilon", "layer_norm_epsilon");
    c["activation_function"] = "gelu_new";  // llama.cpp's GPT-2 graph uses the tanh GELU
  }
  required_int("embedding_length", "hidden_size");
  required_int("block_count", "num_hidden_layers");
  required_int("feed_forward_length", "intermediate_size");
  required_int("attention.head_count", "num_attention_heads");
  optional_int("attention.head_count_kv", "num_key_value_heads");
  optional_int("context_length", "max_position_embeddings");
  optional_int("rope.dimension_count", "head_dim");
  if (!c.contains("head_dim")) optional_int("attention.key_length", "head_dim");  // qwen3 writes no rope dims
  optional_float("rope.freq_base", "rope_theta");
  optional_float("attention.layer_norm_rms_epsilon", "rms_norm_eps");
  optional_int("vocab_size", "vocab_size");
  if (!c.contains("vocab_size")) {
    const formats::GgufValue* tokens = file.find("tokenizer.ggml.tokens");
    if (tokens != nullptr && tokens->is_array()) c["vocab_size"] = tokens->items().size();
  }
  if (auto type = file.get_string(p + "rope.scaling.type"); type && *type != "none") {
    const auto factor = file.get_float(p + "rope.scaling.factor");
    HFCPP_CHECK(factor.has_value(), ErrorCode::Format, "[models] GGUF '{}': {}rope.scaling.type '{}' without a factor",
                file.path(), p, *type);
    HFCPP_CHECK(*type == "linear" || *type == "yarn", ErrorCode::Unsupported,
                "[models] GGUF '{}': rope scaling '{}' is not supported, expected linear or yarn", file.path(), *type);
    core::Json scaling = {{"rope_type", *type}, {"factor", *factor}};
    if (auto orig = file.get_int(p + "rope.scaling.original_context_length"))
      scaling["original_max_position_embeddings"] = *orig;
    c["rope_scaling"] = scaling;
  }
  if (file.find_tensor("rope_freqs.weight") != nullptr) {
    // Llama 3.1-style scaling as llama.cpp stores it: one divisor per rotary frequency.
    const tensor::Tensor factors = file.tensor("rope_freqs.weight").to(tensor::DType::F32).contiguous();
    HFCPP_CHECK(factors.dim() == 1, ErrorCode::Format, "[models] GGUF '{}': rope_freqs.weight has {} dims, expected 1",
                file.path(), factors.dim());
    HFCPP_CHECK(!c.contains("rope_scaling"), ErrorCode::Unsupported,
                "[models] GGUF '{}' has both rope scaling keys and a rope_freqs tensor", file.path());
    c["rope_scaling"] = {{"rope_type", "freq_factors"},
                         {"freq_factors", std::vector<float>(factors.data<float>(),
                                                             factors.data<float>() + factors.numel())}};
  }
  c["tie_word_embeddings"] = file.find_tensor("output.weight") == nullptr;
  c["hidden_act"] = "silu";
  if (auto v = file.get_int("tokenizer.ggml.bos_token_id")) c["bos_token_id"] = *v;
  if (auto v = file.get_int("tokenizer.ggml.eos_token_id")) c["eos_token_id"] = *v;
  if (auto v = file.get_int("tokenizer.ggml.padding_token_id")) c["pad_token_id"] = *v;
  if (arch.gemma_norms) gguf_gemma3::add_config(file, arch.gguf, c);
  if (arch.gguf == "phi3") add_phi3_config(file, c);
  return ModelConfig::from_json(std::move(c), file.path() + " (GGUF metadata)");
}

GgufWeights::GgufWeights(formats::GgufFile file) : file_(std::move(file)) {
  const GgufArch& arch = arch_of(file_);
  for (const auto& t : file_.tensors())
    if (auto hf = hf_name_of_gguf_tensor(t.name, arch.gguf)) by_hf_name_.emplace(std::move(*hf), t.name);
  shifted_norms_ = arch.gemma_norms;
  // convert_hf_to_gguf.py interleaves the rotary halves of llama's q/k rows (LlamaModel.permute).
  unpermute_qk_ = arch.gguf == "llama";
  heads_ = file_.get_int(std::string(arch.gguf) + ".attention.head_count").value_or(0);
  kv_heads_ = file_.get_int(std::string(arch.gguf) + ".attention.head_count_kv").value_or(heads_);
}

tensor::Shape GgufWeights::shape(std::string_view hf_name) const {
  auto it = by_hf_name_.find(hf_name);
  HFCPP_CHECK(it != by_hf_name_.end(), ErrorCode::NotFound, "[models] no tensor for '{}' in '{}'", hf_name,
              file_.path());
  return file_.tensor_info(it->second).shape();
}

std::vector<std::string> GgufWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [hf, gguf] : by_hf_name_) out.push_back(hf);
  return out;
}

std::optional<tensor::Tensor> gguf_weight(const GgufWeights& weights, const std::string& hf_name,
                                          const tensor::Shape& expected, WeightKind kind,
                                          std::optional<tensor::DType> weight_dtype,
                                          std::vector<std::string>& problems) {
  const tensor::Shape have = weights.shape(hf_name);
  if (have != expected) {
    problems.push_back(fmt::format("'{}' has shape {}, expected {}", hf_name, tensor::shape_to_string(have),
                                   tensor::shape_to_string(expected)));
    return tensor::Tensor();
  }
  std::optional<tensor::DType> want = kind == WeightKind::Param ? std::optional(tensor::DType::F32) : weight_dtype;
  if (want && *want != tensor::DType::F32 && *want != tensor::DType::BF16 && *want != tensor::DType::F16)
    want = tensor::DType::F32;
  return weights.load(hf_name, want);
}

}  // namespace hfcpp::models
