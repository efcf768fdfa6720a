#include "hfcpp/generation/chat_session.h"

#include <algorithm>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/text_streamer.h"

namespace hfcpp::generation {

ChatSession::ChatSession(const models::CausalLM& model, const tokenizers::Tokenizer& tokenizer,
                         std::optional<tokenizers::ChatTemplateConfig> chat_template, ChatOptions options)
    : model_(model), tokenizer_(tokenizer), template_config_(std::move(chat_template)), options_(std::move(options)) {
  if (options_.use_chat_template) {
    HFCPP_CHECK(template_config_.has_value(), ErrorCode::NotFound,
                "[chat] the tokenizer has no chat template: use --no-chat-template to send raw text");
    template_ = tokenizers::ChatTemplate::compile(template_config_->select("", false));
  }
  options_.generate.config.validate();
  HFCPP_CHECK(options_.generate.config.num_beams == 1, ErrorCode::Unsupported,
              "[chat] chat answers use greedy search or sampling: got num_beams {}", options_.generate.config.num_beams);
  reset();
}

void ChatSession::reset() {
  messages_ = core::OrderedJson::array();
  if (!options_.system_prompt.empty())
    messages_.push_back({{"role", "system"}, {"content", options_.system_prompt}});
  cache_.reset();
  cached_tokens_.clear();
  stats_ = {};
}

std::string ChatSession::render_prompt() const {
  if (!template_) {
    std::string text;
    for (const auto& m : messages_) text += m["content"].get<std::string>();
    return text;
  }
  tokenizers::ChatTemplateOptions o;
  o.add_generation_prompt = true;
  o.special_tokens = template_config_->special_tokens;
  try {
    return template_->render(messages_, o);
  } catch (Error& e) {
    throw std::move(e.with_context("chat template from " + template_config_->origin));
  }
}

std::string ChatSession::send(const std::string& user_message, const std::function<void(std::string_view)>& on_text) {
  messages_.push_back({{"role", "user"}, {"content", user_message}});
  std::vector<int64_t> prompt;
  try {
    const std::string text = render_prompt();
    // apply_chat_template(tokenize=True) adds no special tokens: the template holds them.
    const auto encoding = tokenizer_.encode(text, !template_.has_value());
    for (uint32_t id : encoding.ids) prompt.push_back(id);
  } catch (...) {
    messages_.erase(messages_.size() - 1);
    throw;
  }
  GenerateOptions options = options_.generate;
  const int64_t context = model_.max_positions();
  const auto prompt_len = static_cast<int64_t>(prompt.size());
  if (context > 0) {
    if (prompt_len >= context) {
      messages_.erase(messages_.size() - 1);
      HFCPP_THROW(ErrorCode::InvalidArgument,
                  "[chat] the prompt has {} tokens but the model's context is {} positions: shorten it{}", prompt_len,
                  context, messages_.size() > 1 ? " or /reset the conversation" : "");
    }
    // The answer stops at the end of the context rather than failing there.
    const int64_t room = context - prompt_len;
    const int64_t wanted = options.config.effective_max_length(prompt_len) - prompt_len;
    if (wanted > room) options.config.max_new_tokens = room;
  }
  if (options.seed) options.seed = *options.seed + turn_;  // a fresh but reproducible stream per turn
  ++turn_;
  std::vector<int64_t> answer;
  TextStreamer streamer(tokenizer_, [&](std::string_view t) { if (on_text) on_text(t); });
  const auto& eos = options.config.eos_token_ids;
  options.on_step = [&](const std::vector<int64_t>& tokens, const std::vector<bool>&) {
    answer.push_back(tokens[0]);
    if (std::find(eos.begin(), eos.end(), tokens[0]) == eos.end()) streamer.put(tokens[0]);
  };
  // Reuse the longest common prefix of what the cache holds and the new prompt.
  size_t common = 0;
  while (common < cached_tokens_.size() && common < prompt.size() && cached_tokens_[common] == prompt[common]) ++common;
  if (!cache_) {
    models::KvCacheOptions cache_options = options.cache;
    cache_options.batch = 1;
    // Static caches are preallocated: the whole context, up to 8192 positions.
    cache_options.max_length = context > 0 ? std::min<int64_t>(context, 8192)
                                           : options.config.effective_max_length(prompt_len) + 4096;
    cache_ = model_.make_cache(cache_options);
    common = 0;
  }
  if (static_cast<int64_t>(common) < cache_->length()) cache_->crop(static_cast<int64_t>(common));
  try {
    const GenerateOutput out = generate_with_cache(model_, prompt, *cache_, options);
    stats_.prompt_tokens = static_cast<int64_t>(prompt.size());
    stats_.prefill_tokens = out.prefill_tokens;
    stats_.reused_tokens = stats_.prompt_tokens - out.prefill_tokens;
    stats_.new_tokens = static_cast<int64_t>(answer.size());
    cached_tokens_ = out.sequences[0];
    cached_tokens_.resize(static_cast<size_t>(cache_->length()));
  } catch (...) {
    messages_.erase(messages_.size() - 1);
    cache_.reset();
    cached_tokens_.clear();
    throw;
  }
  streamer.end();
  std::vector<uint32_t> ids;
  for (int64_t t : answer)
    if (std::find(eos.begin(), eos.end(), t) == eos.end()) ids.push_back(static_cast<uint32_t>(t));
  std::string reply = tokenizer_.decode(ids, true);
  messages_.push_back({{"role", "assistant"}, {"content", reply}});
  return reply;
}

}  // namespace hfcpp::generation
