// Precompiled: SentencePiece's normalization charsmap (base64): a little-endian u32 trie size,
// a darts-clone double-array trie over UTF-8 keys, then the NUL-separated replacement strings.
// Applied per extended grapheme cluster (if shorter than 6 bytes), else per char, exactly as
// the reference does, including its use of the shortest matching prefix.
#include <utf8proc.h>

#include <cstring>

#include "hfcpp/core/error.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
std::string base64_decode(std::string_view in, const std::string& path) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    HFCPP_CHECK(v >= 0, ErrorCode::Format, "[tokenizers] {}: invalid base64 character", path);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

class Precompiled : public Normalizer {
 public:
  Precompiled(const std::string& blob, const std::string& path) {
    HFCPP_CHECK(blob.size() >= 4, ErrorCode::Format,
                "[tokenizers] {}: precompiled_charsmap has {} bytes, expected at least 4", path,
                blob.size());
    uint32_t trie_size;
    std::memcpy(&trie_size, blob.data(), 4);
    HFCPP_CHECK(trie_size % 4 == 0 && trie_size <= blob.size() - 4, ErrorCode::Format,
                "[tokenizers] {}: precompiled_charsmap trie size {} does not fit {} bytes", path,
                trie_size, blob.size());
    units_.resize(trie_size / 4);
    std::memcpy(units_.data(), blob.data() + 4, trie_size);
    normalized_ = blob.substr(4 + trie_size);
  }

  void normalize(NormalizedString& s) const override {
    const std::string& text = s.get();
    std::vector<CharChange> changes;
    changes.reserve(text.size());
    bool modified = false;
    size_t g_start = 0;
    utf8proc_int32_t state = 0;
    char32_t prev = 0;
    bool have_prev = false;
    auto flush = [&](size_t g_end) {
      std::string_view grapheme(text.data() + g_start, g_end - g_start);
      if (grapheme.size() < 6) {
        if (auto norm = lookup(grapheme)) {
          modified = true;
          replace(changes, grapheme, *norm);
          return;
        }
      }
      for (size_t i = 0; i < grapheme.size();) {
        size_t b = i;
        char32_t c = utf8::next(grapheme, i);
        std::string_view part = grapheme.substr(b, i - b);
        if (auto norm = lookup(part)) {
          modified = true;
          replace(changes, part, *norm);
        } else {
          changes.push_back({c, 0});
        }
      }
    };
    for (size_t i = 0; i < text.size();) {
      size_t b = i;
      char32_t c = utf8::next(text, i);
      if (have_prev && utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                                        static_cast<utf8proc_int32_t>(c), &state)) {
        flush(b);
        g_start = b;
      }
      prev = c;
      have_prev = true;
    }
    if (have_prev) flush(text.size());
    if (modified) s.transform(changes, 0);
  }

 private:
  static void replace(std::vector<CharChange>& changes, std::string_view old_part,
                      std::string_view new_part) {
    long old_count = static_cast<long>(utf8::count_chars(old_part));
    long new_count = static_cast<long>(utf8::count_chars(new_part));
    long diff = new_count - old_count;
    for (size_t i = 0; i < new_part.size();) changes.push_back({utf8::next(new_part, i), 0});
    if (diff > 0) {
      for (long k = 0; k < diff && k < static_cast<long>(changes.size()); ++k)
        changes[changes.size() - 1 - static_cast<size_t>(k)].change = 1;
    } else if (diff < 0 && !changes.empty()) {
      changes.back().change += static_cast<int>(diff);
    }
  }

  // The first (shortest) key of the trie that prefixes `chunk`.
  std::optional<std::string_view> lookup(std::string_view chunk) const {
    if (units_.empty()) return std::nullopt;
    auto offset = [](uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); };
    auto label = [](uint32_t u) { return u & ((1u << 31) | 0xFFu); };
    auto has_leaf = [](uint32_t u) { return ((u >> 8) & 1u) == 1u; };
    size_t pos = 0;
    uint32_t unit = units_[0];
    pos ^= offset(unit);
    for (unsigned char c : chunk) {
      if (c == 0) break;
      pos ^= c;
      if (pos >= units_.size()) return std::nullopt;
      unit = units_[pos];
      if (label(unit) != c) return std::nullopt;
      pos ^= offset(unit);
      if (pos >= units_.size()) return std::nullopt;
      if (has_leaf(unit)) {
        size_t index = units_[pos] & ((1u << 31) - 1);
        if (index >= normalized_.size()) return std::nullopt;
        size_t end = normalized_.find('\0', index);
        if (end == std::string::npos) end = normalized_.size();
        return std::string_view(normalized_).substr(index, end - index);
      }
    }
    return std::nullopt;
  }

  std::vector<uint32_t> units_;
  std::string normalized_;
};
}  // namespace

NormalizerPtr make_precompiled(const Json& j, const std::string& path) {
  const Json& v = field(j, "precompiled_charsmap", path);
  if (v.is_null()) return std::make_unique<Precompiled>(std::string(4, '\0'), path);
  HFCPP_CHECK(v.is_string(), ErrorCode::Format, "[tokenizers] {}.precompiled_charsmap: is {}, expected a string",
              path, core::json_type_name(v));
  std::string blob = base64_decode(v.get<std::string>(), join_path(path, "precompiled_charsmap"));
  return std::make_unique<Precompiled>(blob, join_path(path, "precompiled_charsmap"));
}

}  // namespace hfcpp::tokenizers
