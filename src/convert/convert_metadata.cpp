// general.* and <arch>.* keys as convert_hf_to_gguf.py writes them for the supported decoders.
#include <cctype>
#include <cmath>
#include <climits>
#include <filesystem>

#include <fmt/format.h>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"

namespace hfcpp::convert {

using formats::GgufValue;

const core::Json* find_hparam(const core::Json& c, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (c.contains(k)) return &c.at(k);
  return nullptr;
}

uint32_t hparam_u32(const core::Json& v, std::string_view key) {
  HFCPP_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= UINT32_MAX, ErrorCode::Format,
              "[convert] config.json '{}' is {}, expected a non-negative integer", key, v.dump());
  return static_cast<uint32_t>(v.get<int64_t>());
}

float hparam_f32(const core::Json& v, std::string_view key) {
  HFCPP_CHECK(v.is_number(), ErrorCode::Format, "[convert] config.json '{}' is {}, expected a number", key, v.dump());
  return static_cast<float>(v.get<double>());
}

namespace {

// GPT2Model.set_gguf_parameters, which replaces TextModel's: n_ctx (the reference requires it; hfcpp
// falls back to n_positions, which newer transformers versions save instead), n_embd, 4 * n_embd
// as the feed-forward width, n_head and layer_norm_epsilon.
void write_gpt2_parameters(formats::GgufWriter& w, const core::Json& c, const std::string& p, OutType outtype) {
  auto required = [&](std::initializer_list<const char*> keys) -> const core::Json& {
    const core::Json* v = find_hparam(c, keys);
    HFCPP_CHECK(v != nullptr && !v->is_null(), ErrorCode::Format, "[convert] gpt2 config.json has no '{}'",
                *keys.begin());
    return *v;
  };
  w.set(p + "context_length", GgufValue::u32(hparam_u32(required({"n_ctx", "n_positions"}), "n_ctx")));
  const uint32_t n_embd = hparam_u32(required({"n_embd"}), "n_embd");
  w.set(p + "embedding_length", GgufValue::u32(n_embd));
  w.set(p + "feed_forward_length", GgufValue::u32(4 * n_embd));
  w.set(p + "attention.head_count", GgufValue::u32(hparam_u32(required({"n_head"}), "n_head")));
  w.set(p + "attention.layer_norm_epsilon",
        GgufValue::f32(hparam_f32(required({"layer_norm_epsilon"}), "layer_norm_epsilon")));
  w.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(outtype)));
}

// general.sampling.* from generation_config.json, as gguf-py's Metadata.load reads it and
// set_gguf_meta_model writes it (before general.name). A file that is not valid JSON is ignored
// there, so it is here.
void write_sampling_metadata(formats::GgufWriter& w, const std::string& folder) {
  const std::string path = (std::filesystem::path(folder) / "generation_config.json").string();
  std::optional<core::Json> gen;
  try {
    gen = read_optional_json_file(path);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Format) throw;
  }
  if (!gen || !gen->is_object()) return;
  enum Kind { kString, kInt32, kFloat32 };
  struct Key {
    const char* gguf;
    std::initializer_list<const char*> hf;  // the first present one counts
    Kind kind;
  };
  static const Key kKeys[] = {
      {"sequence", {"sequence"}, kString},
      {"top_k", {"top_k"}, kInt32},
      {"top_p", {"top_p"}, kFloat32},
      {"min_p", {"min_p"}, kFloat32},
      {"xtc_probability", {"xtc_probability"}, kFloat32},
      {"xtc_threshold", {"xtc_threshold"}, kFloat32},
      {"temp", {"temperature"}, kFloat32},
      {"penalty_last_n", {"penalty_last_n"}, kInt32},
      {"penalty_repeat", {"penalty_repeat", "repetition_penalty"}, kFloat32},
      {"mirostat", {"mirostat"}, kInt32},
      {"mirostat_tau", {"mirostat_tau"}, kFloat32},
      {"mirostat_eta", {"mirostat_eta"}, kFloat32},
  };
  for (const Key& k : kKeys) {
    const core::Json* v = nullptr;
    const char* hf_key = nullptr;
    for (const char* h : k.hf)
      if (gen->contains(h)) {
        v = &(*gen)[h];
        hf_key = h;
        break;
      }
    if (v == nullptr || v->is_null()) continue;  // dict.get: a null value is not written
    const std::string key = std::string("general.sampling.") + k.gguf;
    switch (k.kind) {
      case kString:
        HFCPP_CHECK(v->is_string(), ErrorCode::Format, "[convert] generation_config.json '{}' is {}, expected a string",
                    hf_key, v->dump());
        w.set(key, GgufValue::string(v->get<std::string>()));
        break;
      case kInt32:
        HFCPP_CHECK(v->is_number_integer() && v->get<int64_t>() >= INT32_MIN && v->get<int64_t>() <= INT32_MAX,
                    ErrorCode::Format, "[convert] generation_config.json '{}' is {}, expected a 32-bit integer", hf_key,
                    v->dump());
        w.set(key, GgufValue::i32(static_cast<int32_t>(v->get<int64_t>())));
        break;
      case kFloat32:
        HFCPP_CHECK(v->is_number(), ErrorCode::Format, "[convert] generation_config.json '{}' is {}, expected a number",
                    hf_key, v->dump());
        w.set(key, GgufValue::f32(static_cast<float>(v->get<double>())));
        break;
    }
  }
}

}  // namespace

core::Json rope_parameters(const core::Json& c) {
  core::Json rope = core::Json::object();
  if (const core::Json* r = find_hparam(c, {"rope_parameters"}); r && r->is_object()) rope = *r;
  else if (const core::Json* r2 = find_hparam(c, {"rope_scaling"}); r2 && r2->is_object()) rope = *r2;
  if (rope.contains("full_attention") || rope.contains("sliding_attention")) return rope;  // per layer type already
  auto optional = [&](std::initializer_list<const char*> keys) {
    const core::Json* v = find_hparam(c, keys);
    return v != nullptr && !v->is_null() ? v : nullptr;
  };
  if (const core::Json* t = optional({"local_rope_theta", "rope_local_theta", "rope_theta_local", "swa_rope_theta",
                                      "rope_local_base_freq"}))
    rope["sliding_attention"] = {{"rope_theta", *t}};
  if (!rope.contains("rope_theta"))
    if (const core::Json* t = optional({"global_rope_theta", "rope_global_theta", "rope_theta_global", "rope_theta",
                                        "rotary_emb_base"}))
      rope["rope_theta"] = *t;
  if (!rope.contains("rope_type") && rope.contains("type") && !rope["type"].is_null()) rope["rope_type"] = rope["type"];
  if (!rope.contains("partial_rotary_factor"))
    if (const core::Json* v = optional({"partial_rotary_factor", "rope_pct", "rope_percent"}))
      rope["partial_rotary_factor"] = *v;
  if (!rope.contains("original_max_position_embeddings"))
    if (const core::Json* v = optional({"original_max_position_embeddings"}))
      rope["original_max_position_embeddings"] = *v;
  return rope;
}

std::optional<std::vector<float>> llama3_rope_factors(const core::Json& c) {
  const core::Json rope = rope_parameters(c);
  if (!rope.contains("rope_type") || !rope["rope_type"].is_string()) return std::nullopt;
  std::string type = rope["rope_type"].get<std::string>();
  for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (type != "llama3") return std::nullopt;
  auto number = [&](const char* key, double fallback) {
    if (!rope.contains(key)) return fallback;
    HFCPP_CHECK(rope[key].is_number(), ErrorCode::Format, "[convert] rope_scaling.{} is {}, expected a number", key,
                rope[key].dump());
    return rope[key].get<double>();
  };
  int64_t dim = c.contains("head_dim") && c["head_dim"].is_number_integer() ? c["head_dim"].get<int64_t>() : 0;
  if (dim == 0) {
    const int64_t hidden = c.value("hidden_size", int64_t{0}), heads = c.value("num_attention_heads", int64_t{0});
    HFCPP_CHECK(hidden > 0 && heads > 0, ErrorCode::Format,
                "[convert] config.json needs head_dim or hidden_size and num_attention_heads for llama3 rope");
    dim = hidden / heads;
  }
  // LlamaModel.generate_extra_tensors, in torch float32 as it computes it: `a / t` for a scalar a
  // and a tensor t is t.reciprocal() * a there, and scalars join float32 operations as float32.
  const float base = static_cast<float>(number("rope_theta", 10000.0));
  const float factor = static_cast<float>(number("factor", 8.0));
  const double low = number("low_freq_factor", 1.0), high = number("high_freq_factor", 4.0);
  const double old_context = number("original_max_position_embeddings", 8192);
  const float low_wavelen = static_cast<float>(old_context / low), high_wavelen = static_cast<float>(old_context / high);
  const float two_pi = static_cast<float>(2 * M_PI);
  std::vector<float> factors;
  for (int64_t i = 0; i < dim; i += 2) {
    const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(dim));
    const float wavelen = (1.0f / freq) * two_pi;
    if (wavelen < high_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      factors.push_back(factor);
    } else {
      const float smooth = ((1.0f / wavelen) * static_cast<float>(old_context) - static_cast<float>(low)) /
                           static_cast<float>(high - low);
      factors.push_back(1.0f / ((1.0f - smooth) / factor + smooth));
    }
  }
  return factors;
}

std::string size_label(uint64_t n_params) {
  const double n = static_cast<double>(n_params);
  double scaled;
  const char* suffix;
  if (n > 1e12) scaled = n * 1e-12, suffix = "T";
  else if (n > 1e9) scaled = n * 1e-9, suffix = "B";
  else if (n > 1e6) scaled = n * 1e-6, suffix = "M";
  else scaled = n * 1e-3, suffix = "K";
  // fix = max(2 - len(str(round(scaled)).lstrip('0')), 0); Python's round() is half-to-even.
  std::string digits = fmt::format("{}", static_cast<int64_t>(std::nearbyint(scaled)));
  digits.erase(0, digits.find_first_not_of('0') == std::string::npos ? digits.size() : digits.find_first_not_of('0'));
  const int fix = std::max(2 - static_cast<int>(digits.size()), 0);
  return fmt::format("{:.{}f}{}", scaled, fix, suffix);
}

void write_model_metadata(formats::GgufWriter& w, const ArchSpec& arch, const core::Json& c, const std::string& folder,
                          const std::string& name_override, uint64_t n_params, OutType outtype) {
  const std::string p = std::string(arch.gguf_arch) + ".";
  w.set("general.architecture", GgufValue::string(std::string(arch.gguf_arch)));
  // Phi3MiniModel.generate_extra_tensors runs before the metadata is written, so its key comes first.
  if (arch.hparams == HparamRule::Phi3)
    if (auto factors = phi3_rope_factors(c))
      w.set(p + "rope.scaling.attn_factor", GgufValue::f32(factors->attn_factor));
  w.set("general.type", GgufValue::string("model"));
  write_sampling_metadata(w, folder);
  write_authorship_metadata(w, folder, name_override, n_params);

  const core::Json* layers = find_hparam(c, {"n_layers", "num_hidden_layers", "n_layer", "num_layers"});
  HFCPP_CHECK(layers != nullptr, ErrorCode::Format, "[convert] config.json has no num_hidden_layers");
  const uint32_t block_count = hparam_u32(*layers, "num_hidden_layers");
  if (arch.hparams == HparamRule::Gemma || arch.hparams == HparamRule::Gemma2 || arch.hparams == HparamRule::Phi3) {
    if (arch.hparams == HparamRule::Phi3) write_phi3_parameters(w, c, p, block_count, outtype);
    else write_gemma_parameters(w, c, p, block_count, outtype, arch.hparams == HparamRule::Gemma2);
    w.set("general.quantization_version", GgufValue::u32(2));
    return;
  }
  w.set(p + "block_count", GgufValue::u32(block_count));
  if (arch.gpt2) {
    write_gpt2_parameters(w, c, p, outtype);
    w.set("general.quantization_version", GgufValue::u32(2));
    return;
  }
  auto u32_key = [&](std::initializer_list<const char*> keys, const std::string& gguf_key) {
    if (const core::Json* v = find_hparam(c, keys); v && !v->is_null())
      w.set(p + gguf_key, GgufValue::u32(hparam_u32(*v, *keys.begin())));
  };
  u32_key({"max_position_embeddings", "n_ctx", "n_positions", "max_length", "max_sequence_length", "model_max_length"},
          "context_length");
  u32_key({"hidden_size", "n_embd", "dim"}, "embedding_length");
  u32_key({"prefix_dense_intermediate_size", "dense_intermediate_size", "intermediate_size", "n_inner", "hidden_dim"},
          "feed_forward_length");
  u32_key({"num_attention_heads", "n_head", "n_heads"}, "attention.head_count");
  u32_key({"num_key_value_heads", "n_kv_heads"}, "attention.head_count_kv");

  const core::Json rope_all = rope_parameters(c);
  const core::Json& rope = rope_all.contains("full_attention") ? rope_all["full_attention"] : rope_all;
  if (rope.contains("rope_type") && rope["rope_type"].is_string()) {
    const std::string type = rope["rope_type"].get<std::string>();
    const bool has_factor = rope.contains("factor") && rope["factor"].is_number();
    if (type == "linear" && has_factor) {
      w.set(p + "rope.scaling.type", GgufValue::string("linear"));
      w.set(p + "rope.scaling.factor", GgufValue::f32(hparam_f32(rope["factor"], "rope_scaling.factor")));
    } else if (type == "yarn" && has_factor) {
      w.set(p + "rope.scaling.type", GgufValue::string("yarn"));
      w.set(p + "rope.scaling.factor", GgufValue::f32(hparam_f32(rope["factor"], "rope_scaling.factor")));
      const core::Json* orig = rope.contains("original_max_position_embeddings")
                                   ? &rope["original_max_position_embeddings"]
                                   : find_hparam(c, {"original_max_position_embeddings"});
      HFCPP_CHECK(orig != nullptr, ErrorCode::Format,
                  "[convert] rope_scaling yarn has no original_max_position_embeddings");
      w.set(p + "rope.scaling.original_context_length",
            GgufValue::u32(hparam_u32(*orig, "original_max_position_embeddings")));
      for (auto [hf, gguf] : {std::pair{"extrapolation_factor", "rope.scaling.yarn_ext_factor"},
                              std::pair{"attention_factor", "rope.scaling.yarn_attn_factor"},
                              std::pair{"beta_fast", "rope.scaling.yarn_beta_fast"},
                              std::pair{"beta_slow", "rope.scaling.yarn_beta_slow"}})
        if (rope.contains(hf) && !rope[hf].is_null()) w.set(p + gguf, GgufValue::f32(hparam_f32(rope[hf], hf)));
    } else if (type == "default" || (type == "llama3" && arch.permute_qk)) {
      // NONE: nothing written. LlamaModel carries llama3 scaling in the rope_freqs tensor instead.
    } else if (type != "linear" && type != "yarn") {
      // longrope needs the factor tensors, dynamic a model-class rule.
      HFCPP_THROW(ErrorCode::Unsupported,
                  "[convert] rope_scaling type '{}' cannot be converted yet: expected default, linear or yarn", type);
    }
  }
  if (rope.contains("rope_theta") && rope["rope_theta"].is_number())
    w.set(p + "rope.freq_base", GgufValue::f32(hparam_f32(rope["rope_theta"], "rope_theta")));
  if (rope_all.contains("sliding_attention") && rope_all["sliding_attention"].is_object() &&
      rope_all["sliding_attention"].contains("rope_theta") && !rope_all["sliding_attention"]["rope_theta"].is_null())
    w.set(p + "rope.freq_base_swa", GgufValue::f32(hparam_f32(rope_all["sliding_attention"]["rope_theta"],
                                                              "rope_local_base_freq")));
  if (const core::Json* v = find_hparam(c, {"rms_norm_eps", "norm_eps"}); v && !v->is_null())
    w.set(p + "attention.layer_norm_rms_epsilon", GgufValue::f32(hparam_f32(*v, "rms_norm_eps")));
  if (const core::Json* v = find_hparam(c, {"layer_norm_eps", "layer_norm_epsilon", "norm_epsilon"}); v && !v->is_null())
    w.set(p + "attention.layer_norm_epsilon", GgufValue::f32(hparam_f32(*v, "layer_norm_eps")));
  if (c.contains("head_dim") && !c["head_dim"].is_null()) {
    w.set(p + "attention.key_length", GgufValue::u32(hparam_u32(c["head_dim"], "head_dim")));
    w.set(p + "attention.value_length", GgufValue::u32(hparam_u32(c["head_dim"], "head_dim")));
  }
  w.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(outtype)));

  if (arch.llama_keys) {
    HFCPP_CHECK(c.contains("vocab_size"), ErrorCode::Format, "[convert] config.json has no vocab_size");
    w.set(p + "vocab_size", GgufValue::u32(hparam_u32(c["vocab_size"], "vocab_size")));
    uint32_t rope_dim = 0;
    if (c.contains("head_dim") && !c["head_dim"].is_null()) {
      rope_dim = hparam_u32(c["head_dim"], "head_dim");
    } else {
      const uint32_t heads = hparam_u32(c.value("num_attention_heads", core::Json()), "num_attention_heads");
      HFCPP_CHECK(heads > 0, ErrorCode::Format, "[convert] config.json num_attention_heads is 0");
      rope_dim = hparam_u32(c.value("hidden_size", core::Json()), "hidden_size") / heads;
    }
    w.set(p + "rope.dimension_count", GgufValue::u32(rope_dim));
  }
  if (arch.hparams == HparamRule::Gemma3) write_gemma3_parameters(w, c, p);
  w.set("general.quantization_version", GgufValue::u32(2));
}

}  // namespace hfcpp::convert
