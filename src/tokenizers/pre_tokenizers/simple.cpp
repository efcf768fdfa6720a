// Rule-based pre-tokenizers: Whitespace, WhitespaceSplit, BertPreTokenizer, Punctuation,
// Digits, Split, Sequence.
#include <array>

#include "hfcpp/core/error.h"
#include "tokenizers/bert_fast_path.h"
#include "tokenizers/regex.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

void parse_pattern(const Json& j, const std::string& path, std::string& literal,
                   std::unique_ptr<Regex>& regex);

namespace {
bool is_bert_punctuation(char32_t c) {
  return (c < 0x80 && ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
                       (c >= 123 && c <= 126))) ||
         utf8::is_punctuation(c);
}
bool is_ws(char32_t c) { return utf8::is_whitespace(c); }
bool is_num(char32_t c) { return utf8::is_numeric(c); }

SplitBehavior parse_behavior(const Json& j, const std::string& path, SplitBehavior fallback) {
  std::string b = str_field_or(j, "behavior", "", path);
  if (b.empty()) return fallback;
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  HFCPP_THROW(ErrorCode::Format,
              "[tokenizers] {}.behavior: unknown '{}', expected Removed, Isolated, "
              "MergedWithPrevious, MergedWithNext or Contiguous",
              path, b);
}

// Splits each split on the chars matching pred.
class CharSplit : public PreTokenizer {
 public:
  CharSplit(bool (*pred)(char32_t), SplitBehavior behavior) : pred_(pred), behavior_(behavior) {}
  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      out = s.split(find_char_matches(s.get(), pred_), behavior_);
    });
  }

 private:
  bool (*pred_)(char32_t);
  SplitBehavior behavior_;
};

// The reference splits on whitespace (removed), then on punctuation (isolated). One pass gives
// the same pieces: the runs of other chars and each punctuation char, sliced straight from the
// split (a slice of a slice equals the direct slice).
class BertPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      const std::string& t = s.get();
      size_t run_start = 0;
      auto flush = [&](size_t end) {
        if (end > run_start) out.push_back(slice_or_throw(s, run_start, end));
      };
      for (size_t i = 0; i < t.size();) {
        size_t start = i;
        unsigned char b = static_cast<unsigned char>(t[i]);
        int kind;  // 0 word char, 1 whitespace, 2 punctuation
        if (b < 0x80) {
          kind = kAsciiKind[b];
          ++i;
        } else {
          char32_t c = utf8::next(t, i);
          kind = is_ws(c) ? 1 : is_bert_punctuation(c) ? 2 : 0;
        }
        if (kind == 0) continue;
        flush(start);
        if (kind == 2) out.push_back(slice_or_throw(s, start, i));
        run_start = i;
      }
      flush(t.size());
    });
  }

 private:
  static NormalizedString slice_or_throw(const NormalizedString& s, size_t start, size_t end) {
    auto piece = s.slice(start, end);
    HFCPP_CHECK(piece.has_value(), ErrorCode::Internal, "[tokenizers] bad split [{}, {})", start, end);
    return std::move(*piece);
  }
  static constexpr auto kAsciiKind = [] {
    std::array<int, 128> k{};
    for (int c = 0; c < 128; ++c) {
      bool ws = c == ' ' || (c >= 0x09 && c <= 0x0D);
      bool punct = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
      k[c] = ws ? 1 : punct ? 2 : 0;
    }
    return k;
  }();
};

class RegexSplit : public PreTokenizer {
 public:
  RegexSplit(std::string literal, std::unique_ptr<Regex> regex, SplitBehavior behavior, bool invert)
      : literal_(std::move(literal)), regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      auto matches = regex_ ? regex_->find_matches(s.get()) : find_literal_matches(s.get(), literal_);
      if (invert_) invert_matches(matches);
      out = s.split(matches, behavior_);
    });
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

// The reference's `\w+|[^\w\s]+` under Oniguruma, whose \w also takes marks and Nl (PCRE2
// 10.42's does not): runs of word chars and runs of other non-space chars are kept.
class WhitespacePreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      out = s.split(word_runs(s.get()), SplitBehavior::Removed);
    });
  }

 private:
  // Runs as matches (is_match = false so that Removed drops the spaces between them).
  static std::vector<PatternMatch> word_runs(std::string_view text) {
    std::vector<PatternMatch> out;
    if (text.empty()) return {{0, 0, false}};
    size_t i = 0;
    while (i < text.size()) {
      size_t start = i;
      char32_t c = utf8::next(text, i);
      int kind = utf8::is_word_char(c) ? 1 : utf8::is_whitespace(c) ? 0 : 2;
      size_t end = i;
      while (end < text.size()) {
        size_t j = end;
        char32_t d = utf8::next(text, j);
        int k = utf8::is_word_char(d) ? 1 : utf8::is_whitespace(d) ? 0 : 2;
        if (k != kind) break;
        end = j;
      }
      out.push_back({start, end, kind == 0});
      i = end;
    }
    return out;
  }
};

class PreTokenizerSequence : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<PreTokenizerPtr> items) : items_(std::move(items)) {}
  void pre_tokenize(PreTokenizedString& pts) const override {
    for (const auto& p : items_) p->pre_tokenize(pts);
  }

 private:
  std::vector<PreTokenizerPtr> items_;
};
}  // namespace

bool is_bert_pre_tokenizer(const PreTokenizer* p) { return dynamic_cast<const BertPreTokenizer*>(p) != nullptr; }

BertCharKind bert_pre_tokenizer_kind(char32_t c) {
  if (c < 0x80) {  // BertPreTokenizer's ASCII table
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return BertCharKind::Space;
    bool punct = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
    return punct ? BertCharKind::Punct : BertCharKind::Word;
  }
  if (is_ws(c)) return BertCharKind::Space;
  return is_bert_punctuation(c) ? BertCharKind::Punct : BertCharKind::Word;
}

PreTokenizerPtr make_whitespace(const Json&, const std::string&) {
  return std::make_unique<WhitespacePreTokenizer>();
}
PreTokenizerPtr make_whitespace_split(const Json&, const std::string&) {
  return std::make_unique<CharSplit>(is_ws, SplitBehavior::Removed);
}
PreTokenizerPtr make_bert_pre_tokenizer(const Json&, const std::string&) {
  return std::make_unique<BertPreTokenizer>();
}
PreTokenizerPtr make_punctuation(const Json& j, const std::string& path) {
  return std::make_unique<CharSplit>(is_bert_punctuation,
                                     parse_behavior(j, path, SplitBehavior::Isolated));
}
PreTokenizerPtr make_digits(const Json& j, const std::string& path) {
  bool individual = bool_field_or(j, "individual_digits", false, path);
  return std::make_unique<CharSplit>(
      is_num, individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
}
PreTokenizerPtr make_split(const Json& j, const std::string& path) {
  std::string literal;
  std::unique_ptr<Regex> regex;
  parse_pattern(j, path, literal, regex);
  SplitBehavior behavior = parse_behavior(j, path, SplitBehavior::Removed);
  HFCPP_CHECK(j.contains("behavior"), ErrorCode::Format, "[tokenizers] {}.behavior: missing field",
              path);
  return std::make_unique<RegexSplit>(std::move(literal), std::move(regex), behavior,
                                      bool_field_or(j, "invert", false, path));
}
PreTokenizerPtr make_pre_tokenizer_sequence(const Json& j, const std::string& path) {
  const Json& arr = array_field(j, "pretokenizers", path);
  std::vector<PreTokenizerPtr> items;
  for (size_t i = 0; i < arr.size(); ++i) {
    auto p = make_pre_tokenizer(arr[i], index_path(join_path(path, "pretokenizers"), i));
    if (p) items.push_back(std::move(p));
  }
  return std::make_unique<PreTokenizerSequence>(std::move(items));
}

}  // namespace hfcpp::tokenizers
