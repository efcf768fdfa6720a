// A multi-turn chat over a causal LM: messages rendered with the model's chat template
// (add_generation_prompt), tokenized without extra special tokens (as apply_chat_template), and
// answered with generate_with_cache. The KV cache is kept between turns: a new turn crops it
// to the longest common prefix with the new prompt and prefills only the tokens after it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hfcpp/core/json.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/tokenizers/chat_template.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::generation {

struct ChatOptions {
  GenerateOptions generate;      // config, cache kind, seed
  std::string system_prompt;     // empty: no system message
  bool use_chat_template = true;  // false: the user text is the prompt, turns are concatenated
};

struct ChatTurnStats {
  int64_t prompt_tokens = 0;    // the whole rendered conversation
  int64_t reused_tokens = 0;    // served from the cache
  int64_t prefill_tokens = 0;   // run through the model for this turn
  int64_t new_tokens = 0;
};

class ChatSession {
 public:
  ChatSession(const models::CausalLM& model, const tokenizers::Tokenizer& tokenizer,
              std::optional<tokenizers::ChatTemplateConfig> chat_template, ChatOptions options);
  // Sends a user message, streams the answer's text to on_text, returns the whole answer.
  std::string send(const std::string& user_message, const std::function<void(std::string_view)>& on_text = {});
  // Forgets the history (the system prompt stays) and empties the cache.
  void reset();
  const ChatTurnStats& last_turn() const { return stats_; }
  const core::OrderedJson& messages() const { return messages_; }
  // The rendered prompt for the current history plus the assistant header.
  std::string render_prompt() const;

 private:
  const models::CausalLM& model_;
  const tokenizers::Tokenizer& tokenizer_;
  std::optional<tokenizers::ChatTemplateConfig> template_config_;
  std::optional<tokenizers::ChatTemplate> template_;
  ChatOptions options_;
  core::OrderedJson messages_;
  std::unique_ptr<models::KvCache> cache_;
  std::vector<int64_t> cached_tokens_;  // the tokens whose keys/values the cache holds
  ChatTurnStats stats_;
  uint64_t turn_ = 0;
};

}  // namespace hfcpp::generation
