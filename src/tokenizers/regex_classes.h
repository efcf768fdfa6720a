// PCRE2's own answer (UTF + UCP, \p{..} widened by regex_unicode.h, as Regex compiles
// patterns) to "is this code point in \p{L}, \p{N}, \s", for the hand-written matchers of
// regex_known.cpp. Each 256-code-point block is filled on first use by asking PCRE2 about every
// code point in it, so the matchers agree with the patterns they replace by construction,
// whatever Unicode version the system PCRE2 has.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace hfcpp::tokenizers::regex_classes {

enum : uint8_t { kLetter = 1, kNumber = 2, kSpace = 4 };  // 0: none of them ("other")

class Table {
 public:
  static const Table& get();

  uint8_t of(char32_t c) const {
    if (c < 0x80) return ascii_[c];
    if (c > 0x10FFFF) return 0;
    const uint8_t* block = blocks_[c >> 8].load(std::memory_order_acquire);
    if (!block) block = fill(c >> 8);
    return block[c & 0xFF];
  }
  // The class of the UTF-8 char at text[i] (valid UTF-8, i < size); sets its byte length.
  uint8_t at(std::string_view text, size_t i, size_t& len) const {
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      len = 1;
      return ascii_[b];
    }
    return of(decode(text, i, len));
  }
  static char32_t decode(std::string_view text, size_t i, size_t& len);

 private:
  Table();
  const uint8_t* fill(uint32_t block) const;

  uint8_t ascii_[128] = {};
  mutable std::atomic<const uint8_t*> blocks_[0x1100] = {};
};

}  // namespace hfcpp::tokenizers::regex_classes
