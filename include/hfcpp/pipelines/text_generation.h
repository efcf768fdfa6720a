// text-generation as transformers' TextGenerationPipeline (decoder-only models): a text prompt
// (tokenized with the tokenizer's special tokens) or chat messages (rendered with the chat
// template, add_generation_prompt) -> generate() -> [{"generated_text": ...}] per returned
// sequence. return_full_text (default true) puts the prompt text in front of the new text, as
// transformers does by decoding the whole sequence and cutting the decoded prompt's length; for
// chat input, generated_text is the messages plus the assistant's answer.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hfcpp/core/json.h"
#include "hfcpp/generation/generation_config.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"

namespace hfcpp::tokenizers {
class Tokenizer;
}

namespace hfcpp::pipelines {

struct TextGenerationOptions {
  bool return_full_text = true;
  std::optional<uint64_t> seed;
  models::KvCacheKind cache = models::KvCacheKind::Dynamic;
};

class TextGenerationPipeline {
 public:
  static TextGenerationPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  TextGenerationPipeline(TextGenerationPipeline&&) noexcept;
  ~TextGenerationPipeline();

  // The model's generation_config.json defaults; edit before calling (max_new_tokens, do_sample, ...).
  generation::GenerationConfig& generation_config();
  const models::CausalLM& model() const;
  const tokenizers::Tokenizer& tokenizer() const;

  // A text prompt -> [{"generated_text": str}, ...] (num_return_sequences entries).
  core::OrderedJson operator()(const std::string& prompt, const TextGenerationOptions& options = {}) const;
  // Chat messages (a JSON array) -> [{"generated_text": [messages..., {"role": "assistant", ...}]}, ...].
  core::OrderedJson operator()(const core::OrderedJson& messages, const TextGenerationOptions& options = {}) const;

 private:
  struct Impl;
  explicit TextGenerationPipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hfcpp::pipelines
