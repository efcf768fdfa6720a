// Generation parameters with transformers' GenerationConfig defaults (4.57), read from a model's
// generation_config.json (or config.json's token ids when that file is absent) and overridden
// by the caller. validate() refuses what transformers refuses, plus sampling values that would
// make the scores meaningless (temperature < 0, top_p outside (0, 1], ...), with InvalidArgument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"

namespace hfcpp::generation {

// Beam search's stopping rule (transformers' early_stopping: True, False or "never").
enum class EarlyStopping { False, True, Never };

struct GenerationConfig {
  // Length: max_new_tokens wins over max_length when set (as in generate()).
  int64_t max_length = 20;
  std::optional<int64_t> max_new_tokens;
  int64_t min_length = 0;
  std::optional<int64_t> min_new_tokens;
  // Strategy.
  bool do_sample = false;
  int64_t num_beams = 1;
  int64_t num_return_sequences = 1;
  EarlyStopping early_stopping = EarlyStopping::False;
  double length_penalty = 1.0;
  // Processors and warpers (warpers only act when do_sample).
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  std::optional<double> min_p;
  double typical_p = 1.0;
  double repetition_penalty = 1.0;
  int64_t no_repeat_ngram_size = 0;
  std::vector<std::vector<int64_t>> bad_words_ids;
  // Special tokens.
  std::optional<int64_t> pad_token_id;
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;  // generation_config's eos_token_id (an int or a list)
  // Stop when the generated text ends with one of these (needs a tokenizer).
  std::vector<std::string> stop_strings;

  // Fields of a generation_config.json; unknown keys are ignored, as transformers keeps them as
  // plain attributes. source names the file in errors.
  static GenerationConfig from_json(const core::Json& json, const std::string& source = "generation_config.json");
  // A model folder: generation_config.json, else the token ids of config.json (from_model_config).
  static GenerationConfig from_model_folder(const std::string& folder);

  // The max_length generate() uses for a prompt of prompt_length tokens.
  int64_t effective_max_length(int64_t prompt_length) const;
  // Throws InvalidArgument "[generation] ..." naming the bad field and its accepted range.
  void validate() const;
};

const char* early_stopping_name(EarlyStopping value);
// "true" | "false" | "never" (also the JSON values true/false/"never").
EarlyStopping parse_early_stopping(const std::string& text);

}  // namespace hfcpp::generation
