// generate(): transformers' GenerationMixin.generate for decoder-only models. Greedy search,
// multinomial sampling and beam search over a caller-visible KV cache, with the logits
// processor chain, stopping criteria (max length, EOS ids, stop strings) and batched prompts
// left-padded with a mask that grows by one column per step.
//
//   auto lm = models::load_causal_lm(folder);
//   GenerateOptions opt;  opt.config = GenerationConfig::from_model_folder(folder);
//   opt.config.max_new_tokens = 32;
//   GenerateOutput out = generate(*lm, {{1, 17, 33}}, opt);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "hfcpp/generation/generation_config.h"
#include "hfcpp/models/causal_lm.h"

namespace hfcpp::tokenizers {
class Tokenizer;
}

namespace hfcpp::generation {

struct GenerateOptions {
  GenerationConfig config;
  models::KvCacheOptions cache;      // kind and quantization knobs (batch and max_length are set by generate)
  std::optional<uint64_t> seed;      // sampling RNG seed; nullopt: random
  // The prompt runs in forward passes of at most this many tokens across the batch (positions
  // split, see models::forward_chunked), bounding the activations held; 0: one pass.
  int64_t prefill_chunk_tokens = models::kDefaultPrefillChunkTokens;
  const tokenizers::Tokenizer* tokenizer = nullptr;  // needed for stop_strings
  // Greedy and sampling only: called after every step with each row's new token (finished rows
  // get pad_token_id, as in the returned sequences) and whether the row is still running.
  std::function<void(const std::vector<int64_t>& tokens, const std::vector<bool>& running)> on_step;
};

struct GenerateOutput {
  // As transformers returns them: [rows][prompt width + new tokens], prompts left-padded with
  // pad_token_id, finished rows padded on the right. Beam search: num_return_sequences rows
  // per prompt, best first.
  std::vector<std::vector<int64_t>> sequences;
  std::vector<float> sequence_scores;  // beam search: length-penalised log-probabilities
  int64_t prompt_width = 0;            // the padded prompt length
  int64_t prefill_tokens = 0;          // tokens run through the model before the first new one
};

// Batched generation from token ids (prompts of different lengths are left-padded).
GenerateOutput generate(const models::CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerateOptions& options);

// One prompt whose first cache.length() tokens are already in `cache` (chat prefix reuse; the
// cache must hold exactly a prefix of `prompt`). Greedy or sampling only. The cache keeps the
// prompt and every generated token except the last one, for the next turn.
GenerateOutput generate_with_cache(const models::CausalLM& model, const std::vector<int64_t>& prompt,
                                   models::KvCache& cache, const GenerateOptions& options);

}  // namespace hfcpp::generation
