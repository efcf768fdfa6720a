// The pre-tokenizer steps for each tokenizer.ggml.pre name (gguf_pre_table.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hfcpp::tokenizers {

struct PreStep {
  enum class Kind {
    SplitIsolated,          // Split(Regex, Isolated)
    ByteLevelWithRegex,     // ByteLevel(use_regex: true): the GPT-2 pattern, then bytes
    DigitsIndividual,       // Digits(individual_digits: true)
    DigitsContiguous,       // Digits(individual_digits: false)
    PunctuationContiguous,  // Punctuation(Contiguous)
  };
  Kind kind;
  const char* regex;  // SplitIsolated only
};

// nullptr when the name is unknown; "" means llama.cpp's "default".
const std::vector<PreStep>* gguf_pre_steps(std::string_view name);

}  // namespace hfcpp::tokenizers
