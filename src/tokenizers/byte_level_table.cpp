#include "tokenizers/byte_level_table.h"

#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

const ByteLevelTable& byte_level_table() {
  static const ByteLevelTable table = [] {
    ByteLevelTable t;
    t.char_to_byte.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      char32_t c = printable(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      t.byte_to_char[b] = c;
      t.byte_to_utf8[b] = utf8::encode(c);
      t.char_to_byte[c] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return table;
}

}  // namespace hfcpp::tokenizers
