// BertNormalizer: clean_text, handle_chinese_chars, strip_accents (defaults to lowercase),
// lowercase, in the reference's order.
#include <array>

#include "tokenizers/bert_fast_path.h"
#include "tokenizers/normalizers/unicode_forms.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
bool is_bert_whitespace(char32_t c) {
  return c == '\t' || c == '\n' || c == '\r' || utf8::is_whitespace(c);
}
bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  return utf8::is_other(c);
}
bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean, bool chinese, bool strip, bool lower)
      : clean_(clean), chinese_(chinese), strip_(strip), lower_(lower) {}

  void normalize(NormalizedString& s) const override {
    // ASCII with no control char to remove: nothing to split, strip or decompose, so the whole
    // normalizer is a one-for-one byte edit (whitespace to ' ', A-Z to a-z), done in place.
    if (s.map_ascii(kAsciiMaps[clean_][lower_].map)) return;
    if (clean_) {
      const std::string& t = s.get();
      bool needs_filter = false, needs_map = false;
      for (size_t i = 0; i < t.size();) {
        char32_t c = utf8::next(t, i);
        if (c == 0 || c == 0xFFFD || is_bert_control(c)) needs_filter = true;
        else if (c != ' ' && is_bert_whitespace(c)) needs_map = true;
      }
      if (needs_filter)
        s.filter([](char32_t c) { return !(c == 0 || c == 0xFFFD || is_bert_control(c)); });
      if (needs_map) map_whitespace(s);
    }
    if (chinese_) split_chinese(s);
    if (strip_) {
      unicode_normalize(s, false, false);
      // Filtering nothing out of a text the edit covers whole leaves it as it is: skip it.
      if (has_nonspacing_mark(s.get()) || !edit_covers_all(s))
        s.filter([](char32_t c) { return !utf8::is_mark_nonspacing(c); });
    }
    if (lower_) s.lowercase();
  }

 private:
  static bool has_nonspacing_mark(std::string_view t) {
    for (size_t i = 0; i < t.size();) {
      if (static_cast<unsigned char>(t[i]) < 0x80) {
        ++i;
        continue;
      }
      if (utf8::is_mark_nonspacing(utf8::next(t, i))) return true;
    }
    return false;
  }
  static bool edit_covers_all(const NormalizedString& s) {
    auto r = s.original_to_normalized(0, s.len_original());
    return r && r->first == 0 && r->second == s.len();
  }
  static void map_whitespace(NormalizedString& s) {
    std::vector<CharChange> changes;
    const std::string& t = s.get();
    for (size_t i = 0; i < t.size();) {
      char32_t c = utf8::next(t, i);
      changes.push_back({is_bert_whitespace(c) ? U' ' : c, 0});
    }
    s.transform(changes, 0);
  }
  static void split_chinese(NormalizedString& s) {
    const std::string& t = s.get();
    std::vector<CharChange> changes;
    bool any = false;
    for (size_t i = 0; i < t.size();) {
      char32_t c = utf8::next(t, i);
      if (is_chinese_char(c)) {
        changes.push_back({U' ', 0});
        changes.push_back({c, 1});
        changes.push_back({U' ', 1});
        any = true;
      } else {
        changes.push_back({c, 0});
      }
    }
    if (any) s.transform(changes, 0);
  }
  // [clean][lower]: the byte each ASCII byte becomes, 0 where clean_text removes it.
  struct AsciiMap {
    char map[128];
  };
  static constexpr auto kAsciiMaps = [] {
    std::array<std::array<AsciiMap, 2>, 2> maps{};
    for (int clean = 0; clean < 2; ++clean)
      for (int lower = 0; lower < 2; ++lower)
        for (int c = 0; c < 128; ++c) {
          bool control = c == 0 || c == 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r');
          char out = static_cast<char>(c);
          if (clean && control) out = 0;
          else if (clean && (c == '\t' || c == '\n' || c == '\r')) out = ' ';
          else if (lower && c >= 'A' && c <= 'Z') out = static_cast<char>(c + 32);
          else if (c == 0) out = 0;  // 0 marks "not handled here"; NUL takes the general path
          maps[clean][lower].map[c] = out;
        }
    return maps;
  }();
  bool clean_, chinese_, strip_, lower_;

 public:
  BertNormalizerFlags flags() const { return {clean_, chinese_, strip_, lower_}; }
};
}  // namespace

std::optional<BertNormalizerFlags> bert_normalizer_flags(const Normalizer* n) {
  auto* b = dynamic_cast<const BertNormalizer*>(n);
  if (!b) return std::nullopt;
  return b->flags();
}

NormalizerPtr make_bert_normalizer(const Json& j, const std::string& path) {
  bool lower = bool_field_or(j, "lowercase", true, path);
  bool strip = lower;
  if (j.contains("strip_accents") && !j["strip_accents"].is_null())
    strip = bool_field_or(j, "strip_accents", lower, path);
  return std::make_unique<BertNormalizer>(bool_field_or(j, "clean_text", true, path),
                                          bool_field_or(j, "handle_chinese_chars", true, path),
                                          strip, lower);
}

}  // namespace hfcpp::tokenizers
