#include "hfcpp/pipelines/text_generation.h"

#include <optional>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/generation/model_assets.h"
#include "hfcpp/tokenizers/chat_template.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::pipelines {

struct TextGenerationPipeline::Impl {
  std::string folder;
  std::unique_ptr<models::CausalLM> model;
  std::optional<tokenizers::Tokenizer> tokenizer;
  std::optional<tokenizers::ChatTemplateConfig> chat_template;
  generation::GenerationConfig config;

  // Runs generate on the ids, returns each returned sequence's decoded new text and the decoded
  // prompt length cut as transformers does (decode(all)[len(decode(prompt)):]).
  std::vector<std::string> new_texts(const std::vector<int64_t>& ids, const TextGenerationOptions& options) const {
    generation::GenerateOptions g;
    g.config = config;
    g.seed = options.seed;
    g.cache.kind = options.cache;
    g.tokenizer = &*tokenizer;
    const auto out = generation::generate(*model, {ids}, g);
    std::vector<uint32_t> prompt_ids(ids.begin(), ids.end());
    const size_t prompt_chars = tokenizer->decode(prompt_ids, true).size();
    std::vector<std::string> texts;
    for (const auto& seq : out.sequences) {
      std::vector<uint32_t> all;
      for (int64_t t : seq)
        if (t >= 0) all.push_back(static_cast<uint32_t>(t));
      const std::string text = tokenizer->decode(all, true);
      texts.push_back(text.size() > prompt_chars ? text.substr(prompt_chars) : std::string());
    }
    return texts;
  }
};

TextGenerationPipeline::TextGenerationPipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextGenerationPipeline::TextGenerationPipeline(TextGenerationPipeline&&) noexcept = default;
TextGenerationPipeline::~TextGenerationPipeline() = default;

TextGenerationPipeline TextGenerationPipeline::load(const std::string& path_or_repo_id,
                                                    const models::LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  generation::ModelAssets assets = generation::load_model_assets(path_or_repo_id);
  impl->folder = assets.model_path;
  impl->model = models::load_causal_lm(impl->folder, options);
  impl->tokenizer.emplace(std::move(assets.tokenizer));
  impl->chat_template = std::move(assets.chat_template);
  impl->config = std::move(assets.generation_config);
  return TextGenerationPipeline(std::move(impl));
}

generation::GenerationConfig& TextGenerationPipeline::generation_config() { return impl_->config; }
const models::CausalLM& TextGenerationPipeline::model() const { return *impl_->model; }
const tokenizers::Tokenizer& TextGenerationPipeline::tokenizer() const { return *impl_->tokenizer; }

core::OrderedJson TextGenerationPipeline::operator()(const std::string& prompt,
                                                      const TextGenerationOptions& options) const {
  std::vector<int64_t> ids;
  for (uint32_t id : impl_->tokenizer->encode(prompt, true).ids) ids.push_back(id);
  HFCPP_CHECK(!ids.empty(), ErrorCode::InvalidArgument, "[text-generation] the prompt encodes to no tokens");
  core::OrderedJson out = core::OrderedJson::array();
  for (const auto& text : impl_->new_texts(ids, options))
    out.push_back({{"generated_text", options.return_full_text ? prompt + text : text}});
  return out;
}

core::OrderedJson TextGenerationPipeline::operator()(const core::OrderedJson& messages,
                                                      const TextGenerationOptions& options) const {
  HFCPP_CHECK(messages.is_array(), ErrorCode::InvalidArgument,
              "[text-generation] chat input: got a JSON {}, expected an array of messages", messages.type_name());
  HFCPP_CHECK(impl_->chat_template.has_value(), ErrorCode::NotFound,
              "[text-generation] chat messages need a chat template: {} has none", impl_->folder);
  tokenizers::ChatTemplateOptions t;
  t.add_generation_prompt = true;
  t.special_tokens = impl_->chat_template->special_tokens;
  const std::string text =
      tokenizers::ChatTemplate::compile(impl_->chat_template->select("", false)).render(messages, t);
  std::vector<int64_t> ids;
  for (uint32_t id : impl_->tokenizer->encode(text, false).ids) ids.push_back(id);
  core::OrderedJson out = core::OrderedJson::array();
  for (const auto& answer : impl_->new_texts(ids, options)) {
    core::OrderedJson conversation = options.return_full_text ? messages : core::OrderedJson::array();
    conversation.push_back({{"role", "assistant"}, {"content", answer}});
    out.push_back({{"generated_text", options.return_full_text ? conversation : core::OrderedJson(answer)}});
  }
  return out;
}

}  // namespace hfcpp::pipelines
