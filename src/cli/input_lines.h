// Inputs for text subcommands (CLI.md): positional arguments, else one input per stdin line;
// with --json-input each stdin line is a JSON string (so texts may hold newlines).
#pragma once

#include <string>
#include <vector>

namespace hfcpp::cli {

std::vector<std::string> read_text_inputs(const std::vector<std::string>& positional, bool json_input);

}  // namespace hfcpp::cli
