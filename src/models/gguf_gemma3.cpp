#include "models/gguf_gemma3.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "hfcpp/core/error.h"

namespace hfcpp::models::gguf_gemma3 {

namespace {

// llama.cpp's swa layers: an explicit per-layer bool array, or every layer but each n-th
// (llama_hparams::set_swa_pattern; n = 0: all sliding); the architecture's pattern when the key is absent.
std::vector<bool> sliding_layers(const formats::GgufFile& file, const std::string& key, int64_t layers,
                                 int64_t default_pattern) {
  std::vector<bool> sliding(static_cast<size_t>(layers));
  const formats::GgufValue* v = file.find(key);
  if (v != nullptr && v->is_array()) {
    HFCPP_CHECK(static_cast<int64_t>(v->items().size()) == layers, ErrorCode::Format,
                "[models] GGUF '{}': {} has {} entries, expected one per layer ({})", file.path(), key,
                v->items().size(), layers);
    for (int64_t i = 0; i < layers; ++i) sliding[i] = v->items()[i].as_bool();
    return sliding;
  }
  const int64_t pattern = file.get_int(key).value_or(default_pattern);
  HFCPP_CHECK(pattern >= 0, ErrorCode::Format, "[models] GGUF '{}': {} is {}, expected >= 0", file.path(), key,
              pattern);
  for (int64_t i = 0; i < layers; ++i) sliding[i] = pattern == 0 || i % pattern < pattern - 1;
  return sliding;
}

}  // namespace

void add_config(const formats::GgufFile& file, std::string_view arch, core::Json& c) {
  const std::string p = std::string(arch) + ".";
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
  if (arch == "gemma") return;  // 1/sqrt(head_dim) scaling, no window, no soft-capping
  // llama.cpp scales queries by 1/sqrt(head_dim), except for the 27B models (Gemma 2: 46 layers,
  // Gemma 3: 62): 1/sqrt(hidden / heads), which is their query_pre_attn_scalar (144, 168).
  c["query_pre_attn_scalar"] = layers == (arch == "gemma2" ? 46 : 62) ? hidden / heads : *key_length;
  // llama.cpp's defaults when the keys are absent: Gemma 2 a 4096 window on every other layer and
  // soft-capping 50 / 30; Gemma 3 no window (every layer attends to everything) and no capping.
  const bool gemma2 = arch == "gemma2";
  const int64_t window = file.get_int(p + "attention.sliding_window").value_or(gemma2 ? 4096 : 0);
  std::vector<bool> sliding = sliding_layers(file, p + "attention.sliding_window_pattern", layers, gemma2 ? 2 : 6);
  core::Json types = core::Json::array();
  for (int64_t i = 0; i < layers; ++i)
    types.push_back(window > 0 && sliding[i] ? "sliding_attention" : "full_attention");
  c["layer_types"] = std::move(types);
  if (window > 0) c["sliding_window"] = window;
  // A cap of 0 is none; null says so to Gemma2Config, whose absent keys mean 50 / 30.
  for (auto [key, fallback] : {std::pair{"final_logit_softcapping", 30.0}, std::pair{"attn_logit_softcapping", 50.0}}) {
    const double cap = file.get_float(p + key).value_or(gemma2 ? fallback : 0.0);
    if (cap > 0) c[key] = cap;
    else if (gemma2) c[key] = core::Json();
  }
  if (!gemma2) c["rope_local_base_freq"] = file.get_float(p + "rope.freq_base_swa").value_or(10000.0);
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
