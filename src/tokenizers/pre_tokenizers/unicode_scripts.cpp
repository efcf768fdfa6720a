// UnicodeScripts: splits where the Unicode script changes, as the reference does (and
// SentencePiece's IsValidSentencePiece): spaces are "Any" and never start a split, Hiragana,
// Katakana and U+30FC count as Han. The reference starts its split list at the first non-space
// character, so leading spaces are dropped; kept here.
#include "tokenizers/pre_tokenizers/unicode_scripts.h"

#include <algorithm>
#include <cstring>

#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

uint8_t script_of(char32_t c) {
  const ScriptRange* end = kScriptRanges + kScriptRangeCount;
  const ScriptRange* it =
      std::upper_bound(kScriptRanges, end, c, [](char32_t v, const ScriptRange& r) { return v < r.first; });
  if (it == kScriptRanges) return 0;
  --it;
  return c <= it->last ? it->script : 0;
}

namespace {
uint8_t index_of(const char* name) {
  for (uint8_t i = 0;; ++i)
    if (std::strcmp(kScriptNames[i], name) == 0) return i;
}

class UnicodeScripts : public PreTokenizer {
 public:
  UnicodeScripts()
      : han_(index_of("Han")), hiragana_(index_of("Hiragana")), katakana_(index_of("Katakana")) {}

  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      const std::string& text = s.get();
      std::vector<size_t> cuts;
      int last = -1;  // none yet
      for (size_t i = 0; i < text.size();) {
        size_t at = i;
        int script = fixed_script(utf8::next(text, i));
        if (script != 0 && last != 0 && last != script) cuts.push_back(at);
        if (script != 0) last = script;
      }
      cuts.push_back(text.size());
      for (size_t k = 0; k + 1 < cuts.size(); ++k)
        if (auto piece = s.slice(cuts[k], cuts[k + 1])) out.push_back(std::move(*piece));
    });
  }

 private:
  int fixed_script(char32_t c) const {
    if (c == 0x30FC) return han_;
    if (c == ' ') return 0;
    int s = script_of(c);
    return s == hiragana_ || s == katakana_ ? han_ : s;
  }
  int han_, hiragana_, katakana_;
};
}  // namespace

PreTokenizerPtr make_unicode_scripts(const Json&, const std::string&) {
  return std::make_unique<UnicodeScripts>();
}

}  // namespace hfcpp::tokenizers
