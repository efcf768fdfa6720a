#include "models/gguf_gemma3.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "hfcpp/core/error.h"

namespace hfcpp::models::gguf_gemma3 {

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kSandwichNormNames = {{
    {"ffn_norm", "pre_feedforward_layernorm"},
    {"post_attention_norm", "post_attention_layernorm"},
    {"post_ffw_norm", "post_feedforward_layernorm"},
}};

// llama.cpp's swa layers: an explicit per-layer bool array, or every layer but each n-th
// (llama_hparams::set_swa_pattern; n = 0: all sliding); pattern 6 when the key is absent.
std::vector<bool> sliding_layers(const formats::GgufFile& file, const std::string& key, int64_t layers) {
  std::vector<bool> sliding(static_cast<size_t>(layers));
  const formats::GgufValue* v = file.find(key);
  if (v != nullptr && v->is_array()) {
    HFCPP_CHECK(static_cast<int64_t>(v->items().size()) == layers, ErrorCode::Format,
                "[models] GGUF '{}': {} has {} entries, expected one per layer ({})", file.path(), key,
                v->items().size(), layers);
    for (int64_t i = 0; i < layers; ++i) sliding[i] = v->items()[i].as_bool();
    return sliding;
  }
  const int64_t pattern = file.get_int(key).value_or(6);
  HFCPP_CHECK(pattern >= 0, ErrorCode::Format, "[models] GGUF '{}': {} is {}, expected >= 0", file.path(), key,
              pattern);
  for (int64_t i = 0; i < layers; ++i) sliding[i] = pattern == 0 || i % pattern < pattern - 1;
  return sliding;
}

}  // namespace

std::optional<std::string_view> sandwich_norm_name(std::string_view gguf_part) {
  for (const auto& [gguf, hf] : kSandwichNormNames)
    if (gguf_part == gguf) return hf;
  return std::nullopt;
}

void add_config(const formats::GgufFile& file, core::Json& c) {
  const std::string p = "gemma3.";
  const int64_t layers = c.at("num_hidden_layers").get<int64_t>();
  const int64_t hidden = c.at("hidden_size").get<int64_t>();
  const int64_t heads = c.at("num_attention_heads").get<int64_t>();
  // transformers maps attention.key_length to head_dim for Gemma (rope.dimension_count: none).
  const auto key_length = file.get_int(p + "attention.key_length");
  HFCPP_CHECK(key_length.has_value(), ErrorCode::Format,
              "[models] GGUF '{}' has no {}attention.key_length key, expected it for head_dim", file.path(), p);
  c["head_dim"] = *key_length;
  c.erase("hidden_act");
  c["hidden_activation"] = "gelu_pytorch_tanh";
  // llama.cpp scales queries by 1/sqrt(head_dim), except 27B (62 layers): 1/sqrt(hidden / heads),
  // which is the checkpoints' query_pre_attn_scalar (256, or 168 for 27B).
  c["query_pre_attn_scalar"] = layers == 62 ? hidden / heads : *key_length;
  // No sliding window (or 0): every layer attends to everything, as in llama.cpp.
  const int64_t window = file.get_int(p + "attention.sliding_window").value_or(0);
  std::vector<bool> sliding = sliding_layers(file, p + "attention.sliding_window_pattern", layers);
  core::Json types = core::Json::array();
  for (int64_t i = 0; i < layers; ++i)
    types.push_back(window > 0 && sliding[i] ? "sliding_attention" : "full_attention");
  c["layer_types"] = std::move(types);
  if (window > 0) c["sliding_window"] = window;
  c["rope_local_base_freq"] = file.get_float(p + "rope.freq_base_swa").value_or(10000.0);
  if (auto v = file.get_float(p + "final_logit_softcapping"); v && *v > 0) c["final_logit_softcapping"] = *v;
  if (auto v = file.get_float(p + "attn_logit_softcapping"); v && *v > 0) c["attn_logit_softcapping"] = *v;
}

bool is_shifted_norm(std::string_view hf_name) {
  constexpr std::string_view kSuffix = "norm.weight";
  return hf_name.size() >= kSuffix.size() && hf_name.substr(hf_name.size() - kSuffix.size()) == kSuffix;
}

tensor::Tensor shift_norm_weight(const tensor::Tensor& stored) {
  const tensor::Tensor f32 = stored.to(tensor::DType::F32);
  tensor::Tensor w = tensor::Tensor::empty(stored.shape(), tensor::DType::F32);
  const float* src = f32.data<float>();
  float* dst = w.mutable_data<float>();
  for (int64_t i = 0; i < w.numel(); ++i) dst[i] = src[i] - 1.0f;
  return w;
}

}  // namespace hfcpp::models::gguf_gemma3
