#include "tokenizers/unicode_ref.h"

#include <algorithm>

namespace hfcpp::tokenizers::unicode_ref {

// Defined in unicode_ref_table.cpp (generated).
extern const CodeRange k_ccc0[], k_no_nfd[], k_no_nfkd[], k_flip_combining_mark[],
    k_flip_mark_nonspacing[], k_flip_other[], k_flip_punctuation[];
extern const size_t k_ccc0_count, k_no_nfd_count, k_no_nfkd_count, k_flip_combining_mark_count,
    k_flip_mark_nonspacing_count, k_flip_other_count, k_flip_punctuation_count;

extern const CaseMapping k_lowercase[];
extern const size_t k_lowercase_count;

namespace {
bool in(const CodeRange* ranges, size_t n, char32_t c) {
  if (n == 0 || c < ranges[0].lo || c > ranges[n - 1].hi) return false;
  const CodeRange* it = std::upper_bound(ranges, ranges + n, c,
                                         [](char32_t v, const CodeRange& r) { return v < r.lo; });
  return it != ranges && c <= (it - 1)->hi;
}
}  // namespace

bool ccc_zero(char32_t c) { return in(k_ccc0, k_ccc0_count, c); }
bool no_canonical_decomposition(char32_t c) { return in(k_no_nfd, k_no_nfd_count, c); }
bool no_compat_decomposition(char32_t c) { return in(k_no_nfkd, k_no_nfkd_count, c); }

bool is_combining_mark(char32_t c, bool m) {
  return m != in(k_flip_combining_mark, k_flip_combining_mark_count, c);
}
bool is_mark_nonspacing(char32_t c, bool mn) {
  return mn != in(k_flip_mark_nonspacing, k_flip_mark_nonspacing_count, c);
}
bool is_other(char32_t c, bool other) { return other != in(k_flip_other, k_flip_other_count, c); }
bool is_punctuation(char32_t c, bool p) {
  return p != in(k_flip_punctuation, k_flip_punctuation_count, c);
}

char32_t lowercase(char32_t c) {
  const CaseMapping* end = k_lowercase + k_lowercase_count;
  const CaseMapping* it = std::lower_bound(
      k_lowercase, end, c, [](const CaseMapping& m, char32_t v) { return m.from < v; });
  return it != end && it->from == c ? it->to : c;
}

}  // namespace hfcpp::tokenizers::unicode_ref
