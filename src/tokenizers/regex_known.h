// Hand-written matchers for the split patterns most tokenizers use (GPT-2's ByteLevel pattern,
// Llama-3's and Qwen2's), chosen only when a pattern string equals one of them exactly. Each
// follows PCRE2's leftmost-first alternation and backtracking for that pattern; the character
// classes come from PCRE2 itself (regex_classes.h). tests/tokenizers/regex_known_test.cpp
// checks them against PCRE2 on the corpus and on random and adversarial strings.
#pragma once

#include <string_view>
#include <vector>

#include "tokenizers/normalized_string.h"

namespace hfcpp::tokenizers {

enum class KnownPattern { None, Gpt2, Llama3, Qwen2 };

extern const char* const kGpt2Pattern;
extern const char* const kLlama3Pattern;
extern const char* const kQwen2Pattern;

KnownPattern recognize_pattern(std::string_view pattern);

// Appends every match of the pattern in text as [start, end) byte ranges (valid UTF-8 text).
void find_known_matches(KnownPattern pattern, std::string_view text, std::vector<ByteRange>& out);

}  // namespace hfcpp::tokenizers
