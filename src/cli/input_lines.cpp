#include "cli/input_lines.h"

#include <iostream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"

namespace hfcpp::cli {

std::vector<std::string> read_text_inputs(const std::vector<std::string>& positional, bool json_input) {
  if (!positional.empty()) return positional;
  std::vector<std::string> out;
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!json_input) {
      out.push_back(line);
      continue;
    }
    if (line.empty()) continue;
    core::Json j = core::parse_json(line, fmt::format("stdin line {}", line_no));
    HFCPP_CHECK(j.is_string(), ErrorCode::InvalidArgument,
                "[input] stdin line {} is {}, expected a JSON string (--json-input)", line_no,
                core::json_type_name(j));
    out.push_back(j.get<std::string>());
  }
  return out;
}

}  // namespace hfcpp::cli
