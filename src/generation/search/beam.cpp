// Beam search as transformers 4.57's vectorised _beam_search: each step keeps the top
// K = max(2, 1 + #eos) * num_beams continuations over all beams, moves those that hit a
// stopping criterion (and rank within the first num_beams) into the finished set with the length
// penalty, continues the best num_beams unfinished ones (reordering the KV cache), and stops by
// the early_stopping heuristic. Scores are f32 and the -1e9 masks are those of transformers, so
// the chosen beams are the same.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "hfcpp/core/error.h"
#include "generation/search/search.h"

namespace hfcpp::generation::search {

namespace {

constexpr float kMasked = -1.0e9f;

struct Hypothesis {
  std::vector<int64_t> tokens;  // prompt + generated
  float score = 0;
  int64_t generated = 0;        // new tokens (transformers' beam_indices != -1 count)
  bool finished = false;
  int64_t source_row = 0;       // flat row of the beam it extends (for the cache reorder)
};

// Indices of the k largest values, descending; ties keep the lower index first.
std::vector<int64_t> top_k_indices(const std::vector<float>& values, int64_t k) {
  std::vector<int64_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  });
  idx.resize(static_cast<size_t>(k));
  return idx;
}

// Sampling without replacement from softmax(values) (torch.multinomial, replacement=False).
std::vector<int64_t> sample_indices(const std::vector<float>& values, int64_t k, Rng& rng) {
  std::vector<double> probs = softmax(values);
  std::vector<int64_t> chosen;
  for (int64_t n = 0; n < k; ++n) {
    double total = 0;
    for (double p : probs) total += p;
    const double u = rng.uniform() * total;
    double c = 0;
    int64_t pick = -1;
    for (size_t i = 0; i < probs.size(); ++i) {
      if (probs[i] <= 0) continue;
      c += probs[i];
      pick = static_cast<int64_t>(i);
      if (u < c) break;
    }
    HFCPP_CHECK(pick >= 0, ErrorCode::InvalidArgument,
                "[generation] beam sampling: fewer candidate tokens than beams to keep ({})", k);
    chosen.push_back(pick);
    probs[pick] = 0;
  }
  return chosen;
}

}  // namespace

GenerateOutput beam_search(const SearchSetup& s) {
  const GenerationConfig& config = s.config;
  const int64_t batch = static_cast<int64_t>(s.rows.size());
  const int64_t beams = config.num_beams;
  const int64_t V = s.model->vocab_size();
  const int64_t prompt = s.prompt_width;
  const int64_t keep = std::max<int64_t>(2, 1 + static_cast<int64_t>(config.eos_token_ids.size())) * beams;
  HFCPP_CHECK(keep <= beams * V, ErrorCode::InvalidArgument,
              "[generation] beam search keeps {} candidates per step but only {} exist (num_beams {} x vocab {})",
              keep, beams * V, beams, V);
  const float length_penalty = static_cast<float>(config.length_penalty);
  const LogitsProcessorList processors = make_logits_processors(config, prompt);
  const StoppingCriteria stopping(config, s.max_length, s.options->tokenizer);
  Rng rng = s.options->seed ? Rng(*s.options->seed) : Rng::from_entropy();

  // running[b][j] and finished[b][j], j < num_beams. The first beam starts at 0, the others at
  // -1e9 so the first step picks distinct tokens of beam 0.
  std::vector<std::vector<Hypothesis>> running(batch), finished(batch);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < beams; ++j) {
      running[b].push_back({s.rows[b], j == 0 ? 0.0f : kMasked, 0, false, b * beams + j});
      finished[b].push_back({s.rows[b], kMasked, 0, false, 0});
    }
  std::vector<bool> heuristic_unsatisfied(static_cast<size_t>(batch), true);
  int64_t cur_len = prompt;

  // Prefill the prompts once, then copy each row's cache into its beams.
  StepInput input;
  for (const auto& r : s.rows) input.new_tokens.push_back(r);
  input.mask = s.mask;
  std::vector<float> logits = model_step(*s.model, *s.cache, input, s.options->prefill_chunk_tokens);
  std::vector<std::vector<int64_t>> mask;
  std::vector<int64_t> expand;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < beams; ++j) {
      expand.push_back(b);
      if (!s.mask.empty()) mask.push_back(s.mask[b]);
    }
  s.cache->reorder(expand);
  {
    std::vector<float> expanded(static_cast<size_t>(batch * beams * V));
    for (int64_t r = 0; r < batch * beams; ++r)
      std::copy_n(logits.begin() + expand[r] * V, V, expanded.begin() + r * V);
    logits = std::move(expanded);
  }

  GenerateOutput out;
  out.prompt_width = prompt;
  out.prefill_tokens = prompt;
  for (;;) {
    // b. log-probabilities, processors, accumulated scores.
    TokenRows flat;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t j = 0; j < beams; ++j) flat.push_back(running[b][j].tokens);
    for (int64_t r = 0; r < batch * beams; ++r) log_softmax_inplace({logits.data() + r * V, static_cast<size_t>(V)});
    processors.apply(flat, ScoresView{logits.data(), batch * beams, V});

    bool all_hit = true;
    std::vector<int64_t> reorder;
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<float> accumulated(static_cast<size_t>(beams * V));
      for (int64_t j = 0; j < beams; ++j)
        for (int64_t v = 0; v < V; ++v)
          accumulated[j * V + v] = logits[(b * beams + j) * V + v] + running[b][j].score;
      // c. top-K continuations.
      const std::vector<int64_t> top =
          config.do_sample ? sample_indices(accumulated, keep, rng) : top_k_indices(accumulated, keep);
      std::vector<Hypothesis> candidates;
      std::vector<bool> hits;
      for (int64_t idx : top) {
        const int64_t beam = idx / V, token = idx % V;
        Hypothesis h;
        h.tokens = running[b][beam].tokens;
        h.tokens.push_back(token);
        h.score = accumulated[idx];
        h.generated = cur_len + 1 - prompt;
        h.source_row = b * beams + beam;
        // d. which continuations stop here.
        hits.push_back(stopping.is_done(h.tokens));
        all_hit = all_hit && hits.back();
        candidates.push_back(std::move(h));
      }
      // e. the best num_beams that go on.
      std::vector<float> running_scores(candidates.size());
      for (size_t i = 0; i < candidates.size(); ++i)
        running_scores[i] = candidates[i].score + (hits[i] ? kMasked : 0.0f);
      const std::vector<int64_t> next = top_k_indices(running_scores, beams);
      // f. update the finished set (before `running` changes: it reads this step's state).
      const float penalty = static_cast<float>(std::pow(static_cast<double>(cur_len + 1 - prompt), length_penalty));
      bool all_finished = true;
      for (const auto& f : finished[b]) all_finished = all_finished && f.finished;
      std::vector<float> merged_scores;
      std::vector<const Hypothesis*> merged;
      std::vector<bool> merged_finished;
      for (const auto& f : finished[b]) {
        merged_scores.push_back(f.score);
        merged.push_back(&f);
        merged_finished.push_back(f.finished);
      }
      for (size_t i = 0; i < candidates.size(); ++i) {
        const bool just_finished = hits[i] && static_cast<int64_t>(i) < beams;
        float score = candidates[i].score / penalty;
        score += (all_finished && config.early_stopping == EarlyStopping::True) ? kMasked : 0.0f;
        score += heuristic_unsatisfied[b] ? 0.0f : kMasked;
        score += just_finished ? 0.0f : kMasked;
        merged_scores.push_back(score);
        merged.push_back(&candidates[i]);
        merged_finished.push_back(just_finished);
      }
      std::vector<Hypothesis> new_finished;
      for (int64_t idx : top_k_indices(merged_scores, beams)) {
        Hypothesis h = *merged[idx];
        h.score = merged_scores[idx];
        h.finished = merged_finished[idx];
        new_finished.push_back(std::move(h));
      }
      finished[b] = std::move(new_finished);
      std::vector<Hypothesis> new_running;
      for (int64_t idx : next) {
        Hypothesis h = candidates[idx];
        h.score = running_scores[idx];
        reorder.push_back(h.source_row);
        new_running.push_back(std::move(h));
      }
      running[b] = std::move(new_running);
    }
    // g. cache rows follow their beams; the early-stopping heuristic; the loop condition.
    s.cache->reorder(reorder);
    ++cur_len;
    bool improvement_possible = false, all_finished = true;
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t best_len = (config.early_stopping == EarlyStopping::Never && config.length_penalty > 0)
                                   ? s.max_length - prompt
                                   : cur_len - prompt;
      const float best_possible =
          running[b][0].score / static_cast<float>(std::pow(static_cast<double>(best_len), config.length_penalty));
      float min_finished = finished[b][0].score;
      for (const auto& f : finished[b]) min_finished = std::min(min_finished, f.score);
      bool any_better = false;
      for (const auto& f : finished[b]) any_better = any_better || best_possible > (f.finished ? min_finished : kMasked);
      heuristic_unsatisfied[b] = heuristic_unsatisfied[b] && any_better;
      improvement_possible = improvement_possible || heuristic_unsatisfied[b];
      for (const auto& f : finished[b]) all_finished = all_finished && f.finished;
    }
    const bool open_beam = !(all_finished && config.early_stopping == EarlyStopping::True);
    if (!(improvement_possible && open_beam && !all_hit)) break;
    input.new_tokens.clear();
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t j = 0; j < beams; ++j) input.new_tokens.push_back({running[b][j].tokens.back()});
    for (auto& m : mask) m.push_back(1);
    input.mask = mask;
    logits = model_step(*s.model, *s.cache, input, s.options->prefill_chunk_tokens);
  }

  // 5. The best num_return_sequences finished hypotheses per prompt, cropped to the longest.
  const auto& eos = config.eos_token_ids;
  const int64_t fill = eos.empty() ? -1 : (config.pad_token_id && *config.pad_token_id != 0 ? *config.pad_token_id : eos[0]);
  int64_t longest = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < config.num_return_sequences; ++j) longest = std::max(longest, finished[b][j].generated);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < config.num_return_sequences; ++j) {
      std::vector<int64_t> seq = finished[b][j].tokens;
      seq.resize(static_cast<size_t>(prompt + finished[b][j].generated));
      seq.resize(static_cast<size_t>(prompt + longest), fill);
      out.sequences.push_back(std::move(seq));
      out.sequence_scores.push_back(finished[b][j].score);
    }
  return out;
}

}  // namespace hfcpp::generation::search
