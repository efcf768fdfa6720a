// generate(): resolves the configuration as GenerationMixin.generate does (pad falls back to the
// first EOS id, max_new_tokens wins over max_length), left-pads the prompts, makes the KV cache
// and runs the chosen strategy.
#include "hfcpp/generation/generate.h"

#include <algorithm>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "generation/search/search.h"

namespace hfcpp::generation {

namespace {

search::SearchSetup prepare(const models::CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                            const GenerateOptions& options) {
  search::SearchSetup s;
  s.model = &model;
  s.options = &options;
  s.config = options.config;
  s.config.validate();
  HFCPP_CHECK(options.prefill_chunk_tokens >= 0, ErrorCode::InvalidArgument,
              "[generation] prefill_chunk_tokens is {}: expected >= 0 (0: the whole prompt in one pass)",
              options.prefill_chunk_tokens);
  HFCPP_CHECK(!prompts.empty(), ErrorCode::InvalidArgument, "[generation] no prompt given");
  const int64_t V = model.vocab_size();
  size_t width = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    HFCPP_CHECK(!prompts[i].empty(), ErrorCode::InvalidArgument,
                "[generation] prompt {} is empty: expected at least one token", i);
    for (int64_t id : prompts[i])
      HFCPP_CHECK(id >= 0 && id < V, ErrorCode::InvalidArgument,
                  "[generation] prompt {}: token id {} is outside the vocabulary (0..{})", i, id, V - 1);
    width = std::max(width, prompts[i].size());
  }
  s.prompt_width = static_cast<int64_t>(width);
  for (int64_t id : s.config.eos_token_ids)
    HFCPP_CHECK(id >= 0 && id < V, ErrorCode::InvalidArgument,
                "[generation] eos_token_id {} is outside the vocabulary (0..{})", id, V - 1);
  if (!s.config.pad_token_id && !s.config.eos_token_ids.empty()) s.config.pad_token_id = s.config.eos_token_ids[0];
  s.pad_token_id = s.config.pad_token_id.value_or(0);

  const int64_t context = model.max_positions();
  HFCPP_CHECK(context <= 0 || s.prompt_width <= context, ErrorCode::InvalidArgument,
              "[generation] the prompt has {} tokens but the model's context is {} positions "
              "(max_position_embeddings): shorten the prompt",
              s.prompt_width, context);
  s.max_length = s.config.effective_max_length(s.prompt_width);
  // transformers only warns here: rope models (dynamic NTK, yarn) run past max_position_embeddings.
  if (context > 0 && s.max_length > context)
    HFCPP_LOG_WARN("generation may run past the model's {} positions (max length {})", context, s.max_length);
  HFCPP_CHECK(s.prompt_width < s.max_length, ErrorCode::InvalidArgument,
              "[generation] the prompt has {} tokens but max_length is {}: nothing can be generated "
              "(raise max_new_tokens or max_length)",
              s.prompt_width, s.max_length);

  bool padded = false;
  for (const auto& p : prompts) {
    const size_t pad = width - p.size();
    padded = padded || pad > 0;
    std::vector<int64_t> row(pad, s.pad_token_id);
    row.insert(row.end(), p.begin(), p.end());
    s.rows.push_back(std::move(row));
  }
  if (padded)
    for (const auto& p : prompts) {
      std::vector<int64_t> m(width - p.size(), 0);
      m.resize(width, 1);
      s.mask.push_back(std::move(m));
    }
  return s;
}

}  // namespace

GenerateOutput generate(const models::CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerateOptions& options) {
  search::SearchSetup s = prepare(model, prompts, options);
  models::KvCacheOptions cache_options = options.cache;
  cache_options.batch = static_cast<int64_t>(prompts.size());
  cache_options.max_length = s.max_length;
  std::unique_ptr<models::KvCache> cache = model.make_cache(cache_options);
  s.cache = cache.get();
  if (s.config.num_beams > 1) return search::beam_search(s);
  return search::greedy_or_sample(s);
}

GenerateOutput generate_with_cache(const models::CausalLM& model, const std::vector<int64_t>& prompt,
                                   models::KvCache& cache, const GenerateOptions& options) {
  search::SearchSetup s = prepare(model, {prompt}, options);
  HFCPP_CHECK(s.config.num_beams == 1, ErrorCode::Unsupported,
              "[generation] generate_with_cache runs greedy search or sampling: got num_beams {}", s.config.num_beams);
  HFCPP_CHECK(cache.batch() == 1, ErrorCode::InvalidArgument,
              "[generation] generate_with_cache needs a cache of batch 1, got {}", cache.batch());
  // At least the last prompt token runs through the model: its logits pick the first new token.
  const int64_t reusable = std::min<int64_t>(cache.length(), static_cast<int64_t>(prompt.size()) - 1);
  if (cache.length() > reusable) cache.crop(reusable);
  s.cache = &cache;
  s.cached_prefix = reusable;
  return search::greedy_or_sample(s);
}

}  // namespace hfcpp::generation
