// Shared by the subcommands that evaluate a model over a text file (perplexity, imatrix), as
// llama.cpp's tools share their text loading and BOS rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::cli {

// The whole file as bytes; exit 1 naming the command and the path when it cannot be read.
std::string read_corpus_file(const std::string& path, std::string_view command);

// The BOS a tokenizer prepends (what llama.cpp's add_bos means): the extra leading id that
// encoding with special tokens adds.
std::optional<int64_t> added_bos(const tokenizers::Tokenizer& tok);

}  // namespace hfcpp::cli
