#include "hfcpp/generation/text_streamer.h"

#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::generation {

namespace {

// The code point that ends `text` (text is whole UTF-8 characters), or 0.
uint32_t last_code_point(std::string_view text) {
  if (text.empty()) return 0;
  size_t i = text.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  const auto lead = static_cast<unsigned char>(text[i]);
  const size_t len = text.size() - i;
  uint32_t cp = len == 1 ? lead : lead & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  return cp;
}

// transformers' TextStreamer._is_chinese_char: the CJK ideograph blocks.
bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace

size_t complete_utf8_prefix(std::string_view text) {
  // Walk back over at most 3 continuation bytes to the last lead byte; keep it only if the
  // character it starts is complete.
  size_t n = text.size();
  size_t i = n;
  int back = 0;
  while (i > 0 && back < 4) {
    --i;
    ++back;
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;
    const size_t need = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    return n - i >= need ? n : i;
  }
  return n;
}

TextStreamer::TextStreamer(const tokenizers::Tokenizer& tokenizer, Callback on_text, bool skip_special_tokens)
    : tokenizer_(tokenizer), on_text_(std::move(on_text)), skip_special_tokens_(skip_special_tokens) {}

void TextStreamer::emit(std::string_view text) {
  if (!text.empty() && on_text_) on_text_(text);
}

void TextStreamer::put(int64_t token) {
  token_cache_.push_back(static_cast<uint32_t>(token));
  std::string text = tokenizer_.decode(token_cache_, skip_special_tokens_);
  // Bytes of a character split across tokens decode to U+FFFD (or a raw partial sequence):
  // hold them back until the character is complete.
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  size_t stable = complete_utf8_prefix(text);
  while (stable >= kReplacement.size() && std::string_view(text).substr(0, stable).ends_with(kReplacement))
    stable -= kReplacement.size();
  if (stable < print_len_) return;
  const std::string_view done(text.data(), stable);
  if (stable == text.size() && done.ends_with('\n')) {
    emit(done.substr(print_len_));
    token_cache_.clear();
    print_len_ = 0;
  } else if (stable > 0 && stable == text.size() && is_cjk(last_code_point(done))) {
    emit(done.substr(print_len_));
    print_len_ = stable;
  } else {
    const size_t space = done.rfind(' ');
    const size_t upto = space == std::string_view::npos ? 0 : space + 1;
    if (upto > print_len_) {
      emit(done.substr(print_len_, upto - print_len_));
      print_len_ = upto;
    }
  }
}

void TextStreamer::end() {
  if (!token_cache_.empty()) {
    const std::string text = tokenizer_.decode(token_cache_, skip_special_tokens_);
    if (text.size() > print_len_) emit(std::string_view(text).substr(print_len_));
  }
  token_cache_.clear();
  print_len_ = 0;
}

}  // namespace hfcpp::generation
