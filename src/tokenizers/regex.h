// PCRE2 (UTF + UCP, JIT) behind the reference's find_matches contract. Iteration follows the
// onig crate's find_iter, which the reference uses: empty matches are reported, except one
// that ends where the previous match ended.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/normalized_string.h"
#include "tokenizers/regex_known.h"

namespace hfcpp::tokenizers {

class Regex {
 public:
  // Throws Error(Format) naming `where` when the pattern does not compile. A pattern equal to
  // a known one (regex_known.h) is matched by hand unless hand_written is false (tests).
  Regex(std::string_view pattern, std::string_view where, bool hand_written = true);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All matches as [start, end) byte ranges.
  void find_all(std::string_view text, std::vector<ByteRange>& out) const;
  // Whole-text match list (matched and unmatched pieces), as Pattern::find_matches.
  std::vector<PatternMatch> find_matches(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }
  bool is_hand_written() const { return known_ != KnownPattern::None; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string pattern_;
  KnownPattern known_ = KnownPattern::None;
};

// Escapes every regex metacharacter of s (for String patterns).
std::string regex_escape(std::string_view s);

}  // namespace hfcpp::tokenizers
