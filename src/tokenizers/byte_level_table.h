// GPT-2's byte <-> printable char table (bytes_char in the reference).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace hfcpp::tokenizers {

struct ByteLevelTable {
  std::array<char32_t, 256> byte_to_char{};
  std::array<std::string, 256> byte_to_utf8{};
  // char (< 512) -> byte, or -1.
  std::array<int16_t, 512> char_to_byte{};
};

const ByteLevelTable& byte_level_table();

}  // namespace hfcpp::tokenizers
