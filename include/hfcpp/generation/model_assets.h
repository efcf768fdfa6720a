// What generation needs besides the weights, for a MODEL argument (a folder, a cached Hub repo id
// or a .gguf file): the tokenizer, the chat template and the generation defaults. A model folder
// gives tokenizer.json, tokenizer_config.json / chat_template.jinja and generation_config.json; a
// GGUF file gives its tokenizer.ggml.* metadata, tokenizer.chat_template and special token ids.
#pragma once

#include <optional>
#include <string>

#include "hfcpp/generation/generation_config.h"
#include "hfcpp/tokenizers/chat_template.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::generation {

struct ModelAssets {
  std::string model_path;  // the folder, or the .gguf file (what load_causal_lm gets)
  tokenizers::Tokenizer tokenizer;
  std::optional<tokenizers::ChatTemplateConfig> chat_template;  // nullopt: the model has none
  GenerationConfig generation_config;
};

ModelAssets load_model_assets(const std::string& path_or_repo_id);

}  // namespace hfcpp::generation
