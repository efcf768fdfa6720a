// The <arch>.* keys of the model classes that replace or extend TextModel.set_gguf_parameters in
// convert_hf_to_gguf.py: GemmaModel, Gemma2Model, Gemma3Model and Phi3MiniModel, with the
// transformers config defaults the reference sees through AutoConfig.
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"

namespace hfcpp::convert {

using formats::GgufValue;

namespace {

// hparams["key"] in the reference: a KeyError there, a Format error naming the key here.
const core::Json& required(const core::Json& c, std::initializer_list<const char*> keys, std::string_view model) {
  const core::Json* v = find_hparam(c, keys);
  HFCPP_CHECK(v != nullptr && !v->is_null(), ErrorCode::Format, "[convert] {} config.json has no '{}'", model,
              *keys.begin());
  return *v;
}

// GemmaConfig / Gemma2Config / Gemma3TextConfig / Phi3Config defaults (transformers 4.57) of the
// keys the conversion reads.
core::Json defaults_for(HparamRule rule) {
  switch (rule) {
    case HparamRule::Gemma:
      return {{"vocab_size", 256000}, {"hidden_size", 3072},        {"intermediate_size", 24576},
              {"num_hidden_layers", 28}, {"num_attention_heads", 16}, {"num_key_value_heads", 16},
              {"head_dim", 256},       {"max_position_embeddings", 8192}, {"rms_norm_eps", 1e-6},
              {"rope_theta", 10000.0}};
    case HparamRule::Gemma2:
      return {{"vocab_size", 256000},        {"hidden_size", 2304},          {"intermediate_size", 9216},
              {"num_hidden_layers", 26},       {"num_attention_heads", 8},       {"num_key_value_heads", 4},
              {"head_dim", 256},               {"max_position_embeddings", 8192}, {"rms_norm_eps", 1e-6},
              {"rope_theta", 10000.0},         {"query_pre_attn_scalar", 256},   {"sliding_window", 4096},
              {"final_logit_softcapping", 30.0}, {"attn_logit_softcapping", 50.0}};
    case HparamRule::Gemma3:
      return {{"vocab_size", 262208},          {"hidden_size", 2304},
              {"intermediate_size", 9216},     {"num_hidden_layers", 26},
              {"num_attention_heads", 8},      {"num_key_value_heads", 4},
              {"head_dim", 256},               {"max_position_embeddings", 131072},
              {"rms_norm_eps", 1e-6},          {"rope_theta", 1000000.0},
              {"rope_local_base_freq", 10000.0}, {"sliding_window", 4096},
              {"query_pre_attn_scalar", 256},  {"final_logit_softcapping", nullptr},
              {"attn_logit_softcapping", nullptr}, {"rope_scaling", nullptr}};
    case HparamRule::Phi3:
      return {{"vocab_size", 32064},           {"hidden_size", 3072},
              {"intermediate_size", 8192},     {"num_hidden_layers", 32},
              {"num_attention_heads", 32},     {"max_position_embeddings", 4096},
              {"original_max_position_embeddings", 4096}, {"rms_norm_eps", 1e-5},
              {"rope_theta", 10000.0},         {"partial_rotary_factor", 1.0},
              {"rope_scaling", nullptr},       {"sliding_window", nullptr}};
    case HparamRule::Text: break;
  }
  return core::Json::object();
}

}  // namespace

void apply_config_defaults(core::Json& c, const ArchSpec& arch) {
  const core::Json defaults = defaults_for(arch.hparams);
  for (const auto& [key, value] : defaults.items())
    if (!c.contains(key)) c[key] = value;
  if (arch.hparams != HparamRule::Phi3) return;
  // Phi3Config.__init__: no num_key_value_heads means one per attention head.
  if (!c.contains("num_key_value_heads") || c["num_key_value_heads"].is_null())
    c["num_key_value_heads"] = c["num_attention_heads"];
  // Phi3Config._rope_scaling_adjustment: the older "su" and "yarn" types are longrope.
  if (c["rope_scaling"].is_object() && c["rope_scaling"].contains("type") && c["rope_scaling"]["type"].is_string()) {
    const std::string type = c["rope_scaling"]["type"].get<std::string>();
    if (type == "su" || type == "yarn") c["rope_scaling"]["type"] = "longrope";
  }
}

void write_gemma_parameters(formats::GgufWriter& w, const core::Json& c, const std::string& p, uint32_t block_count,
                            OutType outtype, bool gemma2) {
  const std::string_view model = gemma2 ? "gemma2" : "gemma";
  auto u32 = [&](const char* key) { return GgufValue::u32(hparam_u32(required(c, {key}, model), key)); };
  auto f32 = [&](const char* key) { return GgufValue::f32(hparam_f32(required(c, {key}, model), key)); };
  w.set(p + "context_length", u32("max_position_embeddings"));
  w.set(p + "embedding_length", u32("hidden_size"));
  w.set(p + "block_count", GgufValue::u32(block_count));
  w.set(p + "feed_forward_length", u32("intermediate_size"));
  w.set(p + "attention.head_count", u32("num_attention_heads"));
  w.set(p + "attention.head_count_kv", u32(c.contains("num_key_value_heads") ? "num_key_value_heads"
                                                                             : "num_attention_heads"));
  w.set(p + "attention.layer_norm_rms_epsilon", f32("rms_norm_eps"));
  w.set(p + "attention.key_length", u32("head_dim"));
  w.set(p + "attention.value_length", u32("head_dim"));
  w.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(outtype)));
  if (!gemma2) return;
  w.set(p + "attn_logit_softcapping", f32("attn_logit_softcapping"));
  w.set(p + "final_logit_softcapping", f32("final_logit_softcapping"));
  w.set(p + "attention.sliding_window", u32("sliding_window"));
}

void write_gemma3_parameters(formats::GgufWriter& w, const core::Json& c, const std::string& p) {
  // hparams.get(key, default): a present null stays null, which the reference cannot write either.
  auto get = [&](const char* key, core::Json fallback) -> core::Json {
    const core::Json v = c.contains(key) ? c[key] : std::move(fallback);
    HFCPP_CHECK(!v.is_null(), ErrorCode::Format, "[convert] gemma3 config.json '{}' is null", key);
    return v;
  };
  auto u32 = [&](const char* key, core::Json fallback) { return GgufValue::u32(hparam_u32(get(key, fallback), key)); };
  w.set(p + "context_length", u32("max_position_embeddings", 131072));
  w.set(p + "attention.head_count", u32("num_attention_heads", 8));
  w.set(p + "attention.layer_norm_rms_epsilon", GgufValue::f32(hparam_f32(get("rms_norm_eps", 1e-6), "rms_norm_eps")));
  w.set(p + "attention.key_length", u32("head_dim", 256));
  w.set(p + "attention.value_length", u32("head_dim", 256));
  const core::Json rope_all = rope_parameters(c);
  const core::Json& rope = rope_all.contains("full_attention") ? rope_all["full_attention"] : rope_all;
  const core::Json theta = rope.contains("rope_theta") ? rope["rope_theta"] : core::Json(1000000.0);
  w.set(p + "rope.freq_base", GgufValue::f32(hparam_f32(theta, "rope_theta")));
  HFCPP_CHECK(!c.contains("attn_logit_softcapping") || c["attn_logit_softcapping"].is_null(), ErrorCode::Format,
              "[convert] gemma3 config.json attn_logit_softcapping is {}, expected null (Gemma 3 has none)",
              c["attn_logit_softcapping"].dump());
  if (c.contains("final_logit_softcapping") && c["final_logit_softcapping"].is_number() &&
      c["final_logit_softcapping"].get<double>() != 0)
    w.set(p + "final_logit_softcapping",
          GgufValue::f32(hparam_f32(c["final_logit_softcapping"], "final_logit_softcapping")));
  if (!(c.contains("sliding_window_pattern") && c["sliding_window_pattern"] == 1))
    w.set(p + "attention.sliding_window", u32("sliding_window", nullptr));
  w.set(p + "attention.head_count_kv", u32("num_key_value_heads", 4));
}

namespace {

struct Phi3Rope {
  uint32_t n_embd, n_head, context, original_context, rope_dims;
};

Phi3Rope phi3_rope(const core::Json& c) {
  Phi3Rope r{};
  r.n_embd = hparam_u32(required(c, {"hidden_size", "n_embd"}, "phi3"), "hidden_size");
  r.n_head = hparam_u32(required(c, {"num_attention_heads", "n_head"}, "phi3"), "num_attention_heads");
  HFCPP_CHECK(r.n_head > 0, ErrorCode::Format, "[convert] phi3 config.json num_attention_heads is 0");
  r.context = hparam_u32(required(c, {"n_positions", "max_position_embeddings"}, "phi3"), "max_position_embeddings");
  const core::Json rope = rope_parameters(c);
  HFCPP_CHECK(rope.contains("original_max_position_embeddings"), ErrorCode::Format,
              "[convert] phi3 config.json has no original_max_position_embeddings");
  r.original_context = hparam_u32(rope["original_max_position_embeddings"], "original_max_position_embeddings");
  double pct = 1.0;  // rope_parameters.get("partial_rotary_factor", 1.0), a Python float (double)
  if (rope.contains("partial_rotary_factor")) {
    HFCPP_CHECK(rope["partial_rotary_factor"].is_number(), ErrorCode::Format,
                "[convert] phi3 config.json partial_rotary_factor is {}, expected a number",
                rope["partial_rotary_factor"].dump());
    pct = rope["partial_rotary_factor"].get<double>();
  }
  r.rope_dims = static_cast<uint32_t>(static_cast<int64_t>(pct * r.n_embd) / r.n_head);  // int(pct * n_embd) // n_head
  return r;
}

}  // namespace

void write_phi3_parameters(formats::GgufWriter& w, const core::Json& c, const std::string& p, uint32_t block_count,
                           OutType outtype) {
  const Phi3Rope r = phi3_rope(c);
  w.set(p + "context_length", GgufValue::u32(r.context));
  w.set(p + "rope.scaling.original_context_length", GgufValue::u32(r.original_context));
  w.set(p + "embedding_length", GgufValue::u32(r.n_embd));
  w.set(p + "feed_forward_length",
        GgufValue::u32(hparam_u32(required(c, {"intermediate_size"}, "phi3"), "intermediate_size")));
  w.set(p + "block_count", GgufValue::u32(block_count));
  w.set(p + "attention.head_count", GgufValue::u32(r.n_head));
  w.set(p + "attention.head_count_kv",
        GgufValue::u32(hparam_u32(required(c, {"num_key_value_heads", "n_head_kv"}, "phi3"), "num_key_value_heads")));
  w.set(p + "attention.layer_norm_rms_epsilon",
        GgufValue::f32(hparam_f32(required(c, {"rms_norm_eps"}, "phi3"), "rms_norm_eps")));
  w.set(p + "rope.dimension_count", GgufValue::u32(r.rope_dims));
  const core::Json rope_all = rope_parameters(c);
  const core::Json& rope = rope_all.contains("full_attention") ? rope_all["full_attention"] : rope_all;
  HFCPP_CHECK(rope.contains("rope_theta"), ErrorCode::Format, "[convert] phi3 config.json has no rope_theta");
  w.set(p + "rope.freq_base", GgufValue::f32(hparam_f32(rope["rope_theta"], "rope_theta")));
  w.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(outtype)));
  // 0 when there is none: llama.cpp tells Phi-4 from the other PHI3 models by it.
  const core::Json* window = find_hparam(c, {"sliding_window"});
  w.set(p + "attention.sliding_window",
        GgufValue::u32(window == nullptr || window->is_null() ? 0 : hparam_u32(*window, "sliding_window")));
}

std::optional<Phi3RopeFactors> phi3_rope_factors(const core::Json& c) {
  const core::Json rope = rope_parameters(c);
  auto truthy_list = [&](const char* key) {
    return rope.contains(key) && rope[key].is_array() && !rope[key].empty();
  };
  if (!truthy_list("long_factor")) return std::nullopt;
  const Phi3Rope r = phi3_rope(c);
  const double scale = static_cast<double>(r.context) / static_cast<double>(r.original_context);
  std::string type = rope.contains("rope_type") && rope["rope_type"].is_string() ? rope["rope_type"].get<std::string>()
                                                                                 : std::string();
  for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  HFCPP_CHECK(!type.empty(), ErrorCode::Format, "[convert] phi3 rope_scaling has long_factor but no type");
  Phi3RopeFactors out;
  if (type == "su" || type == "longrope")
    out.attn_factor = static_cast<float>(
        scale > 1.0 ? std::sqrt(1.0 + std::log(scale) / std::log(static_cast<double>(r.original_context))) : 1.0);
  else if (type == "yarn")
    out.attn_factor = static_cast<float>(scale > 1.0 ? 0.1 * std::log(scale) + 1.0 : 1.0);
  else
    HFCPP_THROW(ErrorCode::Unsupported,
                "[convert] phi3 rope_scaling type '{}' is not supported: expected longrope, su or yarn", type);
  HFCPP_CHECK(truthy_list("short_factor"), ErrorCode::Format,
              "[convert] phi3 rope_scaling has long_factor but no short_factor");
  auto floats = [&](const char* key) {
    std::vector<float> v;
    for (const auto& x : rope[key]) v.push_back(hparam_f32(x, key));
    return v;
  };
  out.long_factors = floats("long_factor");
  out.short_factors = floats("short_factor");
  HFCPP_CHECK(out.long_factors.size() == out.short_factors.size() && 2 * out.long_factors.size() == r.rope_dims,
              ErrorCode::Format,
              "[convert] phi3 rope_scaling long_factor / short_factor have {} / {} entries, expected {} (rotary "
              "dimension / 2)",
              out.long_factors.size(), out.short_factors.size(), r.rope_dims / 2);
  return out;
}

}  // namespace hfcpp::convert
