// Where the reference's Unicode data (tokenizers 0.23.2: normalization tables of Unicode 9.0,
// unicode_categories' Unicode 8.0) differs from utf8proc 2.8's Unicode 15.0. The tables are
// measured from the reference by scripts/gen/make_unicode_ref_tables.py; each answers for the
// few code points that differ, utf8proc answers for the rest.
#pragma once

#include <cstddef>

namespace hfcpp::tokenizers::unicode_ref {

struct CodeRange {
  char32_t lo, hi;
};

// Normalization (unicode-normalization-alignments): combining class 0 in the reference although
// non-zero in Unicode 15.0; no canonical / compatibility decomposition in the reference.
bool ccc_zero(char32_t c);
bool no_canonical_decomposition(char32_t c);
bool no_compat_decomposition(char32_t c);

// The reference's category predicates for code points >= 0x80 (`utf8_category_*` are the
// Unicode 15.0 answers from utf8proc they correct).
bool is_combining_mark(char32_t c, bool utf8_category_m);       // StripAccents
bool is_mark_nonspacing(char32_t c, bool utf8_category_mn);     // BertNormalizer strip_accents
bool is_other(char32_t c, bool utf8_category_cc_cf_co_cs);      // BertNormalizer clean_text
bool is_punctuation(char32_t c, bool utf8_category_p);          // Bert/Punctuation pre-tokenizers

struct CaseMapping {
  char32_t from, to;
};
// The reference's lowercase of c >= 0x80 other than U+0130 (Rust's char::to_lowercase, Unicode
// 16.0): one char, c itself when it has no lowercase.
char32_t lowercase(char32_t c);

}  // namespace hfcpp::tokenizers::unicode_ref
