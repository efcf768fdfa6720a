// Internals shared by the search strategies: one model step over rows of new tokens with the
// attention mask generate() keeps (left padding, one column more per step).
#pragma once

#include <cstdint>
#include <vector>

#include "generation/stopping.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/generation/logits_processor.h"
#include "hfcpp/generation/sampler.h"

namespace hfcpp::generation::search {

struct StepInput {
  std::vector<std::vector<int64_t>> new_tokens;  // [rows][T], same T for all rows
  std::vector<std::vector<int64_t>> mask;        // [rows][past + T]; empty: all ones
};

// Runs the model (in passes of at most chunk_tokens tokens, 0: one pass) and returns the last
// position's logits, [rows * vocab] f32.
std::vector<float> model_step(const models::CausalLM& model, models::KvCache& cache, const StepInput& input,
                              int64_t chunk_tokens);

// Everything a strategy needs, set up by generate().
struct SearchSetup {
  const models::CausalLM* model = nullptr;
  models::KvCache* cache = nullptr;
  const GenerateOptions* options = nullptr;
  GenerationConfig config;                    // with pad/eos resolved
  int64_t pad_token_id = 0;
  int64_t max_length = 0;
  int64_t prompt_width = 0;
  std::vector<std::vector<int64_t>> rows;     // left-padded prompts
  std::vector<std::vector<int64_t>> mask;     // their masks (empty when no row is padded)
  int64_t cached_prefix = 0;                  // prompt tokens already in the cache (batch 1)
};

GenerateOutput greedy_or_sample(const SearchSetup& setup);
GenerateOutput beam_search(const SearchSetup& setup);

}  // namespace hfcpp::generation::search
