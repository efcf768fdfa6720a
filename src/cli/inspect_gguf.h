// The GGUF part of `hfcpp inspect` (see inspect_gguf.cpp for the output formats).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace hfcpp::cli {

// max_array: arrays with more items are summarised ("[49152 strings]"); default 8 in text,
// everything in JSON.
void inspect_gguf(const std::string& path, bool as_json, std::optional<size_t> max_array);

}  // namespace hfcpp::cli
