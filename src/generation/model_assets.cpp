#include "hfcpp/generation/model_assets.h"

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/tokenizers/gguf_vocab.h"
// The models module's rule for which MODEL arguments name a GGUF file (one place decides it).
#include "models/gguf_source.h"

namespace hfcpp::generation {

namespace {

std::optional<uint32_t> gguf_id(const formats::GgufFile& f, const char* key) {
  const auto v = f.get_int(key);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

ModelAssets from_gguf(const std::string& path) {
  const formats::GgufFile file = formats::GgufFile::open(path);
  tokenizers::GgufVocab vocab;
  vocab.model = file.get_string("tokenizer.ggml.model").value_or("");
  HFCPP_CHECK(!vocab.model.empty(), ErrorCode::Format, "[generation] {}: no tokenizer.ggml.model: the file has no tokenizer",
              path);
  vocab.pre = file.get_string("tokenizer.ggml.pre").value_or("");
  vocab.tokens = file.get_string_array("tokenizer.ggml.tokens").value_or(std::vector<std::string>{});
  if (const auto* scores = file.find("tokenizer.ggml.scores"))
    for (const auto& s : scores->items()) vocab.scores.push_back(static_cast<float>(s.as_double()));
  if (const auto* types = file.find("tokenizer.ggml.token_type"))
    for (const auto& t : types->items()) vocab.token_type.push_back(static_cast<int32_t>(t.as_int()));
  vocab.merges = file.get_string_array("tokenizer.ggml.merges").value_or(std::vector<std::string>{});
  vocab.bos_id = gguf_id(file, "tokenizer.ggml.bos_token_id");
  vocab.eos_id = gguf_id(file, "tokenizer.ggml.eos_token_id");
  vocab.unk_id = gguf_id(file, "tokenizer.ggml.unknown_token_id");
  vocab.pad_id = gguf_id(file, "tokenizer.ggml.padding_token_id");
  vocab.sep_id = gguf_id(file, "tokenizer.ggml.seperator_token_id");
  vocab.cls_id = gguf_id(file, "tokenizer.ggml.cls_token_id");
  vocab.mask_id = gguf_id(file, "tokenizer.ggml.mask_token_id");
  vocab.add_bos = file.get_bool("tokenizer.ggml.add_bos_token");
  vocab.add_eos = file.get_bool("tokenizer.ggml.add_eos_token");
  vocab.add_space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix");
  vocab.chat_template = file.get_string("tokenizer.chat_template").value_or("");

  ModelAssets assets{path, tokenizers::Tokenizer::from_gguf_vocab(vocab), std::nullopt, {}};
  auto token = [&](std::optional<uint32_t> id) -> std::optional<std::string> {
    if (!id || *id >= vocab.tokens.size()) return std::nullopt;
    return vocab.tokens[*id];
  };
  if (!vocab.chat_template.empty()) {
    tokenizers::ChatTemplateConfig t;
    t.templates["default"] = vocab.chat_template;
    t.origin = path + " (tokenizer.chat_template)";
    for (auto [name, id] : {std::pair{"bos_token", vocab.bos_id}, {"eos_token", vocab.eos_id},
                            {"unk_token", vocab.unk_id}, {"pad_token", vocab.pad_id}})
      if (auto s = token(id)) t.special_tokens[name] = *s;
    assets.chat_template = std::move(t);
  }
  // transformers builds the generation config from the model config GGUF loading produces.
  GenerationConfig& g = assets.generation_config;
  if (vocab.eos_id) g.eos_token_ids = {static_cast<int64_t>(*vocab.eos_id)};
  if (vocab.bos_id) g.bos_token_id = *vocab.bos_id;
  if (vocab.pad_id) g.pad_token_id = *vocab.pad_id;
  return assets;
}

}  // namespace

ModelAssets load_model_assets(const std::string& path_or_repo_id) {
  if (auto gguf = models::find_gguf_model(path_or_repo_id)) {
    try {
      return from_gguf(*gguf);
    } catch (Error& e) {
      throw std::move(e.with_context("reading the tokenizer of " + *gguf));
    }
  }
  const std::string folder = models::resolve_model_folder(path_or_repo_id);
  ModelAssets assets{folder, tokenizers::Tokenizer::load(folder), std::nullopt,
                     GenerationConfig::from_model_folder(folder)};
  try {
    assets.chat_template = tokenizers::load_chat_template_config(folder);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;
  }
  return assets;
}

}  // namespace hfcpp::generation
