// UTF-8 helpers and the Unicode character predicates the components need (Rust's char
// methods, as the reference uses them). Text inside the pipeline is always valid UTF-8: the
// public API validates its input once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hfcpp::tokenizers::utf8 {

// Byte length of the code point starting with lead byte b (1 for stray bytes).
inline size_t char_len(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b >> 5) == 0x6) return 2;
  if ((b >> 4) == 0xE) return 3;
  if ((b >> 3) == 0x1E) return 4;
  return 1;
}

// Decodes the code point at s[i] (valid UTF-8 assumed) and advances i.
inline char32_t next(std::string_view s, size_t& i) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    ++i;
    return b;
  }
  size_t n = char_len(b);
  char32_t c = b & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return c;
}

inline size_t encoded_len(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

inline void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

inline std::string encode(char32_t c) {
  std::string s;
  append(s, c);
  return s;
}

inline size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char b : s) n += (b & 0xC0) != 0x80;
  return n;
}

// Byte offset of the first invalid sequence, or npos when s is valid UTF-8.
size_t find_invalid(std::string_view s);
// Rust's String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD.
std::string decode_lossy(std::string_view bytes);

// Rust char::is_whitespace (the White_Space property).
bool is_whitespace(char32_t c);
// Rust char::is_alphanumeric / is_numeric-like predicates on general categories.
// The reference's category predicates (its Unicode 8.0 / 9.0 tables, see unicode_ref.h).
bool is_punctuation(char32_t c);      // Pc Pd Ps Pe Pi Pf Po
bool is_mark_nonspacing(char32_t c);  // Mn
bool is_combining_mark(char32_t c);   // Mn Mc Me (StripAccents)
bool is_other(char32_t c);            // Cc Cf Cs Co (not Cn)
bool is_numeric(char32_t c);          // Nd Nl No
bool is_word_char(char32_t c);        // regex \w: alphabetic, Mark, Nd, Pc, Join_Control
// Full lower-case mapping (may yield two chars for U+0130).
void to_lowercase(char32_t c, std::u32string& out);

}  // namespace hfcpp::tokenizers::utf8
