// `hfcpp convert`: plans every tensor from the safetensors headers (names, shapes, types), writes the
// GGUF header, then streams each tensor (loaded as f32, transformed, converted) one at a time, so
// memory holds one tensor, not the model.
#include "hfcpp/convert/hf_to_gguf.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"
#include "hfcpp/formats/sharded_safetensors.h"
#include "hfcpp/hub/cache.h"
#include "hfcpp/quant/quant.h"
#include "hfcpp/formats/sentencepiece_model.h"
#include "models/gguf_names.h"

namespace hfcpp::convert {

using quant::GgmlType;

namespace {

namespace fs = std::filesystem;

// The architectures convert_hf_to_gguf.py maps through LlamaModel / Qwen2Model / Qwen3Model /
// GPT2Model / GemmaModel / Gemma2Model / Gemma3Model / Phi3MiniModel.
constexpr ArchSpec kArchs[] = {
    {"llama", "llama", true, true, false, VocabRule::Llama},
    {"mistral", "llama", true, true, false, VocabRule::Llama},  // MistralForCausalLM is LlamaModel there
    {"qwen2", "qwen2", false, false, false, VocabRule::Qwen2},
    {"qwen3", "qwen3", false, false, false, VocabRule::Qwen2},
    {"gpt2", "gpt2", false, false, true, VocabRule::Default, HparamRule::Text, &models::kGpt2NameScheme},
    {"gemma", "gemma", false, false, false, VocabRule::Gemma, HparamRule::Gemma},
    {"gemma2", "gemma2", false, false, false, VocabRule::Gemma2, HparamRule::Gemma2, &models::kGemma2NameScheme},
    {"gemma3_text", "gemma3", false, false, false, VocabRule::Gemma3, HparamRule::Gemma3, &models::kGemma2NameScheme},
    {"phi3", "phi3", false, false, false, VocabRule::Phi3, HparamRule::Phi3, &models::kPhi3NameScheme},
};

bool is_gemma(const ArchSpec& a) {
  return a.hparams == HparamRule::Gemma || a.hparams == HparamRule::Gemma2 || a.hparams == HparamRule::Gemma3;
}

// transformers' Conv1D stores [in, out]; GPT2Model.modify_tensors transposes these to [out, in].
bool is_gpt2_conv1d_weight(std::string_view hf_name) {
  return hf_name.ends_with(".c_attn.weight") || hf_name.ends_with(".c_proj.weight") ||
         hf_name.ends_with(".c_fc.weight");
}

// TextModel.filter_tensors: the vision / audio towers and projectors of a multimodal checkpoint
// (Gemma3ForConditionalGeneration's vision_tower.* and multi_modal_projector.*) stay out of the text
// GGUF; convert_hf_to_gguf.py writes them to a separate --mmproj file.
bool is_multimodal_tensor(std::string_view name) {
  for (std::string_view prefix : {"mlp", "vit.", "vpm.", "siglip2.", "conformer.", "merger.", "resampler.",
                                  "sound_encoder.", "sound_projection.", "speech_embeddings."})
    if (name.starts_with(prefix)) return true;
  for (std::string_view part : {"visual.", "vision.", "audio.", "talker.", "vision_", "audio_", "token2wav.",
                                "code2wav.", "projector.", "pre_mm_projector_norm", "image_newline",
                                "view_seperator", "patch_embed", "patch_merger.", "patch_merge_mlp.",
                                "model.connector."})
    if (name.find(part) != std::string_view::npos) return true;
  return false;
}

struct PlannedTensor {
  const formats::SafetensorsFile* file;  // null: `generated` holds the values
  std::string hf_name, name;
  tensor::Shape shape;  // row-major
  GgmlType type;
  int64_t permute_heads = 0;  // > 0: LlamaModel.permute with this many heads
  std::vector<float> generated;
  bool transpose = false;  // 2-d [rows, cols] written as [cols, rows]
  bool add_one = false;    // Gemma's RMSNorm weights: w + 1, in the checkpoint's dtype when that is f16
  bool f16_source = false;
  int64_t keep_rows = -1;  // >= 0: only the first rows (Gemma 3's embedding trimmed to the vocabulary)
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// prepare_tensors' type rule for one tensor.
GgmlType type_for(const std::string& name, const tensor::Shape& shape, OutType outtype) {
  if (shape.size() <= 1 || ends_with(name, "_norm.weight") || !ends_with(name, ".weight")) return GgmlType::F32;
  if (name == "position_embd.weight") return GgmlType::F32;  // kept F32 like llama-quantize does
  switch (outtype) {
    case OutType::F32: return GgmlType::F32;
    case OutType::F16: return GgmlType::F16;
    case OutType::BF16: return GgmlType::BF16;
    case OutType::Q8_0:
      // gguf-py raises QuantError for rows that are not whole blocks; the reference falls back to F16.
      return shape.back() % 32 == 0 ? GgmlType::Q8_0 : GgmlType::F16;
  }
  return GgmlType::F32;
}

// LlamaModel.permute: within each head, rows [first half | second half] become interleaved pairs.
void permute_rows(std::vector<float>& data, int64_t rows, int64_t cols, int64_t heads, const std::string& name) {
  HFCPP_CHECK(heads > 0 && rows % (2 * heads) == 0, ErrorCode::Format,
              "[convert] tensor '{}': {} rows cannot be split into {} heads of even size", name, rows, heads);
  const int64_t head_dim = rows / heads, half = head_dim / 2;
  std::vector<float> out(data.size());
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < half; ++i)
      for (int64_t j = 0; j < 2; ++j)
        std::memcpy(out.data() + (h * head_dim + 2 * i + j) * cols, data.data() + (h * head_dim + j * half + i) * cols,
                    static_cast<size_t>(cols) * sizeof(float));
  data.swap(out);
}

// Gemma3Model.modify_tensors keeps as many embedding rows as the vocabulary it writes:
// _create_vocab_sentencepiece's size with a tokenizer.model, else tokenizer.json's vocab plus its
// added tokens.
int64_t gemma3_vocab_rows(const fs::path& folder, const core::Json& config) {
  if (fs::is_regular_file(folder / "tokenizer.model")) {
    for (const char* key : {"vocab_size_per_layer_input", "vocab_size"})
      if (config.contains(key) && config[key].is_number_integer() && config[key].get<int64_t>() > 0)
        return config[key].get<int64_t>();
    return static_cast<int64_t>(formats::read_sentencepiece_model((folder / "tokenizer.model").string()).pieces.size());
  }
  const auto tokenizer = read_optional_json_file((folder / "tokenizer.json").string());
  HFCPP_CHECK(tokenizer && tokenizer->is_object(), ErrorCode::NotFound,
              "[convert] '{}' has neither tokenizer.model nor tokenizer.json, which gemma3 conversion reads",
              folder.string());
  auto count = [&](const core::Json& v) { return v.is_array() || v.is_object() ? static_cast<int64_t>(v.size()) : 0; };
  const core::Json model = tokenizer->value("model", core::Json::object());
  return count(model.value("vocab", core::Json())) + count(tokenizer->value("added_tokens", core::Json()));
}

// x + 1 as torch computes it on an f16 tensor: in float, rounded back to f16.
void add_one_in_f16(std::vector<float>& data) {
  for (float& v : data) v += 1.0f;
  const tensor::Tensor rounded = tensor::Tensor::from_vector(data, {static_cast<int64_t>(data.size())})
                                     .to(tensor::DType::F16)
                                     .to(tensor::DType::F32);
  data.assign(rounded.data<float>(), rounded.data<float>() + rounded.numel());
}

std::string resolve_folder(const std::string& model) {
  std::string folder = fs::is_directory(model) ? model : hub::resolve_model_path(model);
  HFCPP_CHECK(fs::is_directory(folder), ErrorCode::InvalidArgument,
              "[convert] '{}' is not a model folder (config.json + safetensors) or a cached Hub repo id", model);
  HFCPP_CHECK(fs::is_regular_file(fs::path(folder) / "config.json"), ErrorCode::NotFound,
              "[convert] '{}' has no config.json", folder);
  return folder;
}

}  // namespace

std::optional<OutType> parse_out_type(std::string_view text) {
  if (text == "f32") return OutType::F32;
  if (text == "f16") return OutType::F16;
  if (text == "bf16") return OutType::BF16;
  if (text == "q8_0") return OutType::Q8_0;
  return std::nullopt;
}

const char* out_type_name(OutType type) {
  switch (type) {
    case OutType::F32: return "f32";
    case OutType::F16: return "f16";
    case OutType::BF16: return "bf16";
    case OutType::Q8_0: return "q8_0";
  }
  return "?";
}

const ArchSpec* find_arch(std::string_view model_type) {
  for (const auto& a : kArchs)
    if (a.model_type == model_type) return &a;
  return nullptr;
}

std::vector<std::string> convertible_model_types() {
  std::vector<std::string> out;
  for (const auto& a : kArchs) out.emplace_back(a.model_type);
  return out;
}

ConvertReport convert_hf_to_gguf(const ConvertOptions& o) {
  ConvertReport report;
  report.folder = resolve_folder(o.model);
  const fs::path folder(report.folder);
  core::Json config = [&] {
    std::FILE* f = std::fopen((folder / "config.json").c_str(), "rb");
    HFCPP_CHECK(f != nullptr, ErrorCode::Io, "[convert] cannot read '{}'", (folder / "config.json").string());
    std::string text;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
    return core::parse_json(text, (folder / "config.json").string());
  }();
  HFCPP_CHECK(config.is_object(), ErrorCode::Format, "[convert] config.json is not an object");
  if (config.contains("text_config") && config["text_config"].is_object())
    for (const auto& [k, v] : config["text_config"].items()) config[k] = v;
  const std::string model_type = config.value("model_type", std::string());
  const ArchSpec* arch = find_arch(model_type);
  if (arch == nullptr) {
    std::string list;
    for (const auto& t : convertible_model_types()) list += (list.empty() ? "" : ", ") + t;
    HFCPP_THROW(ErrorCode::Unsupported, "[convert] model_type '{}' cannot be converted to GGUF yet: supported: {}",
                model_type, list);
  }
  report.architecture = std::string(arch->gguf_arch);
  apply_config_defaults(config, *arch);

  // Tensors in the reference's order: shards by file name, each shard's tensors by name.
  const formats::ShardedSafetensors weights = formats::ShardedSafetensors::open(report.folder);
  std::vector<const formats::SafetensorsFile*> shards;
  for (const auto& s : weights.shards()) shards.push_back(&s);
  std::sort(shards.begin(), shards.end(), [](auto* a, auto* b) {
    return fs::path(a->path()).filename() < fs::path(b->path()).filename();
  });
  const int64_t heads = config.value("num_attention_heads", int64_t{0});
  const int64_t kv_heads = config.value("num_key_value_heads", heads);
  std::vector<PlannedTensor> plan;
  // Generated tensors come first, as generate_extra_tensors() is chained before the checkpoint's.
  if (arch->permute_qk)
    if (auto factors = llama3_rope_factors(config)) {
      const tensor::Shape shape{static_cast<int64_t>(factors->size())};
      report.n_params += factors->size();
      plan.push_back({nullptr, "(generated)", "rope_freqs.weight", shape, GgmlType::F32, 0, std::move(*factors)});
    }
  if (arch->hparams == HparamRule::Phi3)
    if (auto factors = phi3_rope_factors(config))
      for (auto [name, values] : {std::pair{"rope_factors_long.weight", &factors->long_factors},
                                  std::pair{"rope_factors_short.weight", &factors->short_factors}}) {
        report.n_params += values->size();
        plan.push_back({nullptr, "(generated)", name, {static_cast<int64_t>(values->size())}, GgmlType::F32, 0,
                        std::move(*values)});
      }
  const int64_t gemma3_rows =
      arch->hparams == HparamRule::Gemma3 ? gemma3_vocab_rows(folder, config) : int64_t{-1};
  for (const auto* shard : shards) {
    std::vector<std::string> names = shard->names();
    std::sort(names.begin(), names.end());
    for (const auto& hf : names) {
      if (is_multimodal_tensor(hf)) continue;
      std::string mapped = hf;
      if (mapped.find("language_model.") != std::string::npos)
        mapped.erase(mapped.find("language_model."), std::string_view("language_model.").size());
      if (ends_with(mapped, ".attention.masked_bias") || ends_with(mapped, ".attention.bias") ||
          ends_with(mapped, ".rotary_emb.inv_freq"))
        continue;
      if (arch->gpt2 && (ends_with(mapped, ".attn.bias") || ends_with(mapped, ".attn.masked_bias"))) continue;
      // GemmaModel / Gemma2Model.filter_tensors: the tied lm_head some exports carry is dropped.
      if ((arch->hparams == HparamRule::Gemma || arch->hparams == HparamRule::Gemma2) && hf == "lm_head.weight")
        continue;
      auto name = models::gguf_name_of(mapped, *arch->names);
      HFCPP_CHECK(name.has_value(), ErrorCode::Unsupported, "[convert] can not map tensor '{}' of {} to a GGUF name",
                  hf, model_type);
      const auto& info = shard->info(hf);
      HFCPP_CHECK(info.dtype.has_value() && tensor::dtype_info(*info.dtype).is_float, ErrorCode::Unsupported,
                  "[convert] tensor '{}' has dtype {}, expected F32, F16 or BF16", hf, info.dtype_name);
      HFCPP_CHECK(info.shape.size() <= 4, ErrorCode::Unsupported, "[convert] tensor '{}' has {} dims", hf,
                  info.shape.size());
      tensor::Shape shape = info.shape;
      const bool transpose = arch->gpt2 && shape.size() == 2 && is_gpt2_conv1d_weight(mapped);
      if (transpose) std::swap(shape[0], shape[1]);
      PlannedTensor t{shard, hf, *name, shape, GgmlType::F32, 0, {}, transpose};
      t.add_one = is_gemma(*arch) && ends_with(mapped, "norm.weight");
      t.f16_source = *info.dtype == tensor::DType::F16;
      if (gemma3_rows >= 0 && mapped.find("embed_tokens.weight") != std::string::npos && !t.shape.empty() &&
          t.shape[0] > gemma3_rows) {
        t.keep_rows = gemma3_rows;
        t.shape[0] = gemma3_rows;
      }
      t.type = type_for(*name, t.shape, o.outtype);
      if (arch->permute_qk) {
        if (ends_with(mapped, "q_proj.weight") || ends_with(mapped, "q_proj.bias")) t.permute_heads = heads;
        if (ends_with(mapped, "k_proj.weight") || ends_with(mapped, "k_proj.bias")) t.permute_heads = kv_heads;
      }
      report.n_params += static_cast<uint64_t>(tensor::shape_numel(t.shape));
      plan.push_back(std::move(t));
    }
  }
  HFCPP_CHECK(!plan.empty(), ErrorCode::Format, "[convert] '{}' holds no tensors", report.folder);

  formats::GgufWriter w;
  write_model_metadata(w, *arch, config, report.folder, o.model_name, report.n_params, o.outtype);
  write_vocab_metadata(w, *arch, report.folder, config);
  for (const auto& t : plan) {
    w.add_tensor_info(t.name, t.type, t.shape);
    std::vector<uint64_t> ne(t.shape.rbegin(), t.shape.rend());
    const int64_t row = t.shape.empty() ? 1 : t.shape.back();
    const uint64_t bytes = quant::ggml_row_bytes(t.type, static_cast<uint64_t>(row)) *
                           static_cast<uint64_t>(row == 0 ? 0 : tensor::shape_numel(t.shape) / row);
    report.tensors.push_back({t.hf_name, t.name, std::move(ne), t.type, bytes});
  }
  report.n_metadata = w.metadata_count();
  const std::string header = w.header_bytes();
  const uint64_t align = w.alignment();
  uint64_t total = header.size();
  for (const auto& t : report.tensors) total += (t.bytes + align - 1) / align * align;
  report.bytes_out = total;
  if (o.dry_run) return report;

  const std::string tmp = o.outfile + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  HFCPP_CHECK(f != nullptr, ErrorCode::Io, "[convert] cannot create '{}': {}", tmp, std::strerror(errno));
  auto write_all = [&](const void* data, size_t n) {  // the catch below closes and removes tmp
    if (n > 0 && std::fwrite(data, 1, n, f) != n)
      HFCPP_THROW(ErrorCode::Io, "[convert] writing '{}' failed: {}", tmp, std::strerror(errno));
  };
  try {
    write_all(header.data(), header.size());
    uint64_t done = header.size();
    std::vector<std::byte> out;
    for (size_t i = 0; i < plan.size(); ++i) {
      const PlannedTensor& t = plan[i];
      std::vector<float> data = t.generated;
      if (t.file != nullptr) {
        const tensor::Tensor src = t.file->tensor(t.hf_name, tensor::DType::F32);
        data.assign(src.data<float>(), src.data<float>() + src.numel());
      }
      if (t.keep_rows >= 0) data.resize(static_cast<size_t>(tensor::shape_numel(t.shape)));
      if (t.add_one) {
        if (t.f16_source) add_one_in_f16(data);
        else
          for (float& v : data) v += 1.0f;
      }
      const int64_t rows = t.shape.empty() ? 1 : t.shape[0];
      const int64_t cols = rows == 0 ? 0 : static_cast<int64_t>(data.size()) / rows;
      if (t.permute_heads > 0) permute_rows(data, rows, cols, t.permute_heads, t.hf_name);
      if (t.transpose) {  // the file holds [cols, rows]
        std::vector<float> out_rows(data.size());
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < cols; ++c) out_rows[r * cols + c] = data[c * rows + r];
        data.swap(out_rows);
      }
      const int64_t row_len = t.shape.empty() ? 1 : t.shape.back();
      const int64_t n_rows = row_len == 0 ? 0 : static_cast<int64_t>(data.size()) / row_len;
      out.resize(report.tensors[i].bytes);
      if (t.type == GgmlType::F32) {
        std::memcpy(out.data(), data.data(), out.size());
      } else if (t.type == GgmlType::F16 || t.type == GgmlType::BF16) {
        const tensor::Tensor conv = tensor::Tensor::from_vector(data, {static_cast<int64_t>(data.size())})
                                        .to(t.type == GgmlType::F16 ? tensor::DType::F16 : tensor::DType::BF16);
        std::memcpy(out.data(), conv.raw_data(), out.size());
      } else {
        quant::quantize(t.type, data.data(), out.data(), n_rows, row_len);
      }
      write_all(out.data(), out.size());
      const uint64_t pad = (out.size() + align - 1) / align * align - out.size();
      static const char kZeros[64] = {};
      write_all(kZeros, pad);
      done += out.size() + pad;
      if (o.on_progress) o.on_progress(done, total);
    }
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    HFCPP_THROW(ErrorCode::Io, "[convert] closing '{}' failed: {}", tmp, std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, o.outfile, ec);
  HFCPP_CHECK(!ec, ErrorCode::Io, "[convert] renaming '{}' to '{}' failed: {}", tmp, o.outfile, ec.message());
  return report;
}

}  // namespace hfcpp::convert
