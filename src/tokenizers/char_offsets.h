// Byte offsets -> char offsets over the original text (the reference's
// BytesToCharOffsetConverter), shared by encode's paths.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "hfcpp/tokenizers/encoding.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

class CharOffsets {
 public:
  explicit CharOffsets(std::string_view text) : size_(text.size()) {
    ascii_ = std::all_of(text.begin(), text.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
    if (ascii_) return;  // char index = byte index
    map_.resize(text.size());
    size_t c = 0;
    for (size_t i = 0; i < text.size();) {
      size_t n = utf8::char_len(static_cast<unsigned char>(text[i]));
      for (size_t k = 0; k < n && i + k < text.size(); ++k) map_[i + k] = static_cast<uint32_t>(c);
      i += n;
      ++c;
    }
  }
  Offsets convert(size_t s, size_t e) const {
    if (s >= size_) return {s, e};
    size_t start = char_at(s);
    if (e < size_) return {start, char_at(e)};
    size_t last = (e >= 1 && e - 1 < size_) ? char_at(e - 1) : start + 1;
    return {start, last + 1};
  }

 private:
  size_t char_at(size_t byte) const { return ascii_ ? byte : map_[byte]; }
  size_t size_;
  bool ascii_ = false;
  std::vector<uint32_t> map_;
};

}  // namespace hfcpp::tokenizers
