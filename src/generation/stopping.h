// Stopping criteria of generate(): max length, EOS ids, stop strings (transformers'
// MaxLengthCriteria, EosTokenCriteria, StopStringCriteria).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hfcpp/generation/generation_config.h"

namespace hfcpp::tokenizers {
class Tokenizer;
}

namespace hfcpp::generation {

class StoppingCriteria {
 public:
  StoppingCriteria(const GenerationConfig& config, int64_t max_length, const tokenizers::Tokenizer* tokenizer);
  // True when a row whose tokens are `sequence` (prompt included) must stop.
  bool is_done(const std::vector<int64_t>& sequence) const;
  bool hits_eos(int64_t token) const;
  bool has_eos() const { return !eos_.empty(); }
  // StopStringCriteria: a stop string occurs in the text and ends inside the last token.
  bool hits_stop_string(const std::vector<int64_t>& sequence) const;

 private:
  int64_t max_length_;
  std::vector<int64_t> eos_;
  std::vector<std::string> stop_strings_;
  size_t longest_stop_ = 0;
  const tokenizers::Tokenizer* tokenizer_;
};

}  // namespace hfcpp::generation
