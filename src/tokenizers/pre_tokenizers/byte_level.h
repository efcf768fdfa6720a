// Shared by the ByteLevel pre-tokenizer and its users.
#pragma once

#include "tokenizers/normalized_string.h"
#include "tokenizers/regex.h"

namespace hfcpp::tokenizers {

extern const char* const kGpt2Pattern;
const Regex& gpt2_regex();
// Maps every byte of s to its printable GPT-2 char, tracking alignments.
void byte_level_map(NormalizedString& s);

}  // namespace hfcpp::tokenizers
