// Every alternative of these patterns matches at least one char wherever it starts, and some
// alternative matches at every position, so the matches tile the text: each function below
// returns the end of the match starting at p, trying the alternatives in the pattern's order.
#include "tokenizers/regex_known.h"

#include "tokenizers/regex_classes.h"

namespace hfcpp::tokenizers {

const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2/Qwen3: Llama-3's pattern with single digits.
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {
using regex_classes::kLetter;
using regex_classes::kNumber;
using regex_classes::kSpace;
using regex_classes::Table;

class Matcher {
 public:
  explicit Matcher(std::string_view text) : t_(text), table_(Table::get()) {}

  // Class of the char at i (0 past the end: callers check bounds first where it matters).
  uint8_t cls(size_t i, size_t& len) const { return table_.at(t_, i, len); }
  uint8_t cls(size_t i) const {
    size_t len;
    return i < t_.size() ? table_.at(t_, i, len) : 0xFF;
  }
  // End of the run of chars of class k starting at i.
  size_t run(size_t i, uint8_t k) const {
    while (i < t_.size()) {
      size_t len;
      if (table_.at(t_, i, len) != k) break;
      i += len;
    }
    return i;
  }
  // End of the \s+ run at p and the start of its last char.
  size_t space_run(size_t p, size_t& last_start) const {
    size_t i = p;
    last_start = p;
    while (i < t_.size()) {
      size_t len;
      if (table_.at(t_, i, len) != kSpace) break;
      last_start = i;
      i += len;
    }
    return i;
  }
  // `\s+(?!\S)|\s+` at a space char p: the whole run at the end of the text, else the run
  // without its last char (the lookahead backtracks one char), else the single char.
  size_t trailing_space(size_t p) const {
    size_t last = p;
    size_t e = space_run(p, last);
    if (e == t_.size() || last == p) return e;
    return last;
  }

  size_t gpt2_at(size_t p) const {
    unsigned char c0 = static_cast<unsigned char>(t_[p]);
    // 's|'t|'re|'ve|'m|'ll|'d
    if (c0 == '\'' && p + 1 < t_.size()) {
      char c1 = t_[p + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return p + 2;
      if (p + 2 < t_.size()) {
        char c2 = t_[p + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
          return p + 3;
      }
    }
    //  ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+ with the space taken
    if (c0 == ' ' && p + 1 < t_.size()) {
      uint8_t k1 = cls(p + 1);
      if (k1 != kSpace) return run(p + 1, k1);
    }
    size_t len0;
    uint8_t k0 = cls(p, len0);
    if (k0 != kSpace) return run(p, k0);  // the same three without the space
    return trailing_space(p);
  }

  // Llama-3 (max_digits 3) and Qwen2 (max_digits 1).
  size_t llama3_at(size_t p, int max_digits) const {
    unsigned char c0 = static_cast<unsigned char>(t_[p]);
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c0 == '\'' && p + 1 < t_.size()) {
      size_t n1;
      char32_t c1 = fold(Table::decode(t_, p + 1, n1));
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return p + 1 + n1;
      if ((c1 == 'r' || c1 == 'v' || c1 == 'l') && p + 1 + n1 < t_.size()) {
        size_t n2;
        char32_t c2 = fold(Table::decode(t_, p + 1 + n1, n2));
        if ((c1 != 'l' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return p + 1 + n1 + n2;
      }
    }
    size_t len0;
    uint8_t k0 = cls(p, len0);
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (k0 == kLetter) return run(p, kLetter);
    if (k0 != kNumber && c0 != '\r' && c0 != '\n' && cls(p + len0) == kLetter)
      return run(p + len0, kLetter);
    // \p{N}{1,3}
    if (k0 == kNumber) {
      size_t i = p + len0;
      for (int n = 1; n < max_digits && i < t_.size(); ++n) {
        size_t len;
        if (cls(i, len) != kNumber) break;
        i += len;
      }
      return i;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    size_t q = p;
    if (c0 == ' ' && cls(p + 1) == 0) q = p + 1;
    if (q != p || k0 == 0) {
      size_t e = run(q, 0);
      while (e < t_.size() && (t_[e] == '\r' || t_[e] == '\n')) ++e;
      return e;
    }
    // \s*[\r\n]+: the space run up to its last \r or \n (backtracking from the run's end).
    size_t last = p;
    size_t e = space_run(p, last);
    for (size_t i = e; i > p; --i)
      if (t_[i - 1] == '\r' || t_[i - 1] == '\n') return i;
    // \s+(?!\S)|\s+
    if (e == t_.size() || last == p) return e;
    return last;
  }

 private:
  // PCRE2's caseless equivalents of the contraction letters: ASCII case, and U+017F (long s)
  // for s (checked against PCRE2 for every code point by the test).
  static char32_t fold(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c == 0x17F) return 's';
    return c;
  }

  std::string_view t_;
  const Table& table_;
};
}  // namespace

KnownPattern recognize_pattern(std::string_view pattern) {
  if (pattern == kGpt2Pattern) return KnownPattern::Gpt2;
  if (pattern == kLlama3Pattern) return KnownPattern::Llama3;
  if (pattern == kQwen2Pattern) return KnownPattern::Qwen2;
  return KnownPattern::None;
}

void find_known_matches(KnownPattern pattern, std::string_view text, std::vector<ByteRange>& out) {
  Matcher m(text);
  size_t p = 0;
  while (p < text.size()) {
    size_t e = pattern == KnownPattern::Gpt2     ? m.gpt2_at(p)
               : pattern == KnownPattern::Llama3 ? m.llama3_at(p, 3)
                                                 : m.llama3_at(p, 1);
    out.emplace_back(p, e);
    p = e;
  }
}

}  // namespace hfcpp::tokenizers
