// Shared by the ByteLevel pre-tokenizer and its users.
#pragma once

#include "tokenizers/components.h"
#include "tokenizers/normalized_string.h"
#include "tokenizers/regex.h"

namespace hfcpp::tokenizers {

extern const char* const kGpt2Pattern;
const Regex& gpt2_regex();
// Maps every byte of s to its printable GPT-2 char, tracking alignments.
void byte_level_map(NormalizedString& s);
// True when p is a ByteLevel pre-tokenizer that only splits with the GPT-2 pattern and maps
// bytes (use_regex, no prefix space), so encode may split and map over string views itself.
bool is_plain_gpt2_byte_level(const PreTokenizer* p);

}  // namespace hfcpp::tokenizers
