// The reference's older Unicode data where it differs from utf8proc (Unicode 15.0) and PCRE2
// (Unicode 14.0): expected values observed from tokenizers 0.23.2 (see
// scripts/gen/make_unicode_ref_tables.py and make_regex_unicode_table.py).
#include <gtest/gtest.h>

#include "tokenizers/normalizers/unicode_forms.h"
#include "tokenizers/regex.h"
#include "tokenizers/regex_unicode.h"
#include "tokenizers/unicode_ref.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {
namespace {

std::string u8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) utf8::append(out, c);
  return out;
}

std::string nfd(std::u32string_view s) {
  NormalizedString n(u8(s));
  unicode_normalize(n, false, false);
  return n.get();
}

TEST(UnicodeRef, CombiningClassesOfTheReference) {
  // U+1DFA (Unicode 14) and U+1ABD.. are class 0 there; older marks reorder as usual.
  EXPECT_EQ(nfd(U"a\u08E6\u059A\u0316\U00001DFAb"), u8(U"a\u08E6\u0316\u059A\U00001DFAb"));
  EXPECT_EQ(nfd(U"a\u059A\u0316\u1DFA\u1ABDb"), u8(U"a\u0316\u059A\u1DFA\u1ABDb"));
  EXPECT_EQ(nfd(U"a\U00011943\u3099\u093C\U00016FF0b"), u8(U"a\U00011943\u093C\u3099\U00016FF0b"));
  EXPECT_TRUE(unicode_ref::ccc_zero(0x1DFA));
  EXPECT_FALSE(unicode_ref::ccc_zero(0x0316));
}

TEST(UnicodeRef, DecompositionsOfTheReference) {
  // U+11938 (Unicode 13) has a canonical decomposition in 15.0, none in the reference's 9.0.
  EXPECT_EQ(nfd(U"\U00011938"), u8(U"\U00011938"));
  EXPECT_EQ(nfd(U"\u00E9"), u8(U"e\u0301"));
  NormalizedString k(u8(U"\u32FF"));  // SQUARE ERA NAME REIWA (Unicode 12.1): kept by NFKC there
  unicode_normalize(k, true, true);
  EXPECT_EQ(k.get(), u8(U"\u32FF"));
}

TEST(UnicodeRef, CategoriesOfTheReference) {
  EXPECT_FALSE(utf8::is_punctuation(0x2E4F));  // Po since Unicode 11; unassigned in 8.0
  EXPECT_TRUE(utf8::is_punctuation(0x166D));   // So since 12.0; Po in 8.0
  EXPECT_TRUE(utf8::is_punctuation(0x2E3A));
  EXPECT_FALSE(utf8::is_other(0x0378));         // unassigned is not "other" there
  EXPECT_TRUE(utf8::is_other(0x200B));          // Cf
  EXPECT_FALSE(utf8::is_other(0x0890));         // Cf since 14.0
  EXPECT_TRUE(utf8::is_mark_nonspacing(0x1734));  // Mc in 15.0, Mn in 8.0
  EXPECT_TRUE(utf8::is_combining_mark(0x0903));   // Mc
  EXPECT_FALSE(utf8::is_combining_mark(0x1DFA));
}

TEST(UnicodeRef, LowercaseOfTheReference) {
  std::u32string out;
  for (char32_t c : {char32_t(0x10D5B), char32_t(0x391), char32_t(0x130), char32_t(0x4E00)})
    utf8::to_lowercase(c, out);
  EXPECT_EQ(out, (std::u32string{0x10D7B, 0x3B1, U'i', 0x307, 0x4E00}));  // Garay: Unicode 16.0
}

TEST(RegexUnicode, NewerCodePointsJoinTheirClasses) {
  Regex symbol(R"(\p{S}+)", "test", false);
  std::vector<ByteRange> m;
  symbol.find_all(u8(U"x\U0001FADA\U0001CC00y"), m);  // Unicode 15.0 and 16.0 symbols
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], (ByteRange{1, 9}));
  Regex not_letter(R"([^\s\p{L}\p{N}]+|\P{L}+)", "test", false);
  m.clear();
  not_letter.find_all(u8(U"\U00031350\U0002EBF0"), m);  // CJK Ext H (15.0), Ext I (15.1)
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(regex_unicode::with_newer_code_points(R"(a\\p{L}[\]\d])"), R"(a\\p{L}[\]\d])");
  std::string widened = regex_unicode::with_newer_code_points(R"(\p{N})");
  EXPECT_EQ(widened.rfind(R"([\p{N})", 0), 0u) << widened;
  EXPECT_NE(widened.find("\\x{10D40}"), std::string::npos) << widened;  // Garay digits (16.0)
}

}  // namespace
}  // namespace hfcpp::tokenizers
