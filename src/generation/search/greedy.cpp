// Greedy search and multinomial sampling (transformers' _sample): one token per running row per
// step; rows that stopped are fed pad_token_id while the others go on.
#include "hfcpp/core/error.h"
#include "generation/search/search.h"

namespace hfcpp::generation::search {

GenerateOutput greedy_or_sample(const SearchSetup& s) {
  const GenerationConfig& config = s.config;
  const int64_t rows = static_cast<int64_t>(s.rows.size());
  const int64_t V = s.model->vocab_size();
  const LogitsProcessorList processors = make_logits_processors(config, s.prompt_width);
  const StoppingCriteria stopping(config, s.max_length, s.options->tokenizer);
  Rng rng = s.options->seed ? Rng(*s.options->seed) : Rng::from_entropy();

  GenerateOutput out;
  out.prompt_width = s.prompt_width;
  out.sequences = s.rows;
  std::vector<std::vector<int64_t>> mask = s.mask;
  std::vector<bool> running(static_cast<size_t>(rows), true);

  StepInput input;
  for (const auto& r : s.rows) input.new_tokens.emplace_back(r.begin() + s.cached_prefix, r.end());
  input.mask = mask;
  out.prefill_tokens = static_cast<int64_t>(input.new_tokens.front().size());
  for (;;) {
    std::vector<float> scores = model_step(*s.model, *s.cache, input, s.options->prefill_chunk_tokens);
    HFCPP_CHECK(static_cast<int64_t>(scores.size()) == rows * V, ErrorCode::Internal,
                "[generation] logits hold {} values: expected {} rows x vocab {}", scores.size(), rows, V);
    processors.apply(out.sequences, ScoresView{scores.data(), rows, V});
    std::vector<int64_t> next(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const std::span<const float> row(scores.data() + r * V, static_cast<size_t>(V));
      next[r] = config.do_sample ? sample_token(row, rng) : argmax(row);
      if (stopping.has_eos() && !running[r]) next[r] = s.pad_token_id;
    }
    bool any_running = false;
    for (int64_t r = 0; r < rows; ++r) {
      out.sequences[r].push_back(next[r]);
      if (!mask.empty()) mask[r].push_back(1);
      if (running[r] && stopping.is_done(out.sequences[r])) running[r] = false;
      any_running = any_running || running[r];
    }
    if (s.options->on_step) s.options->on_step(next, running);
    if (!any_running) break;
    input.new_tokens.clear();
    for (int64_t r = 0; r < rows; ++r) input.new_tokens.push_back({next[r]});
    input.mask = mask;
  }
  return out;
}

}  // namespace hfcpp::generation::search
