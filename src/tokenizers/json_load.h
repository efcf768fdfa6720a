// tokenizer.json parsing with the reference's float semantics: serde_json (without
// float_roundtrip) builds a float as (significand as f64) * or / 10^k, which can differ from
// the correctly rounded value by one ulp; Unigram scores must be bit-identical for Viterbi ties
// to break the same way.
#pragma once

#include <string_view>

#include "hfcpp/core/json.h"

namespace hfcpp::tokenizers {

double serde_json_f64(std::string_view literal);
core::Json parse_tokenizer_json(std::string_view text, std::string_view source);

}  // namespace hfcpp::tokenizers
