// The hand-written matchers of regex_known.cpp against PCRE2 running the same pattern: on
// the DEV corpus, on every code point (in contexts that exercise each alternative, including
// the caseless contractions), and on random strings over an adversarial alphabet.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <random>

#include "golden_util.h"
#include "hfcpp/core/json.h"
#include "tokenizers/regex.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {
namespace {

struct Case {
  const char* name;
  const char* pattern;
};
const Case kCases[] = {{"gpt2", kGpt2Pattern}, {"llama3", kLlama3Pattern}, {"qwen2", kQwen2Pattern}};

// Returns "" when both agree, else the first differing match with the text around it.
std::string compare(const Regex& fast, const Regex& pcre, std::string_view text) {
  std::vector<ByteRange> a, b;
  fast.find_all(text, a);
  pcre.find_all(text, b);
  if (a == b) return "";
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  auto range = [](const std::vector<ByteRange>& m, size_t k) {
    return k < m.size() ? fmt::format("[{},{})", m[k].first, m[k].second) : std::string("none");
  };
  size_t at = i < a.size() ? a[i].first : i < b.size() ? b[i].first : text.size();
  size_t from = at > 16 ? at - 16 : 0;
  while (from > 0 && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) --from;
  std::string around(text.substr(from, 48));
  while (!around.empty() && utf8::find_invalid(around) != std::string_view::npos) around.pop_back();
  return fmt::format("match {}: hand {}, pcre2 {} in text from byte {}: {}", i, range(a, i),
                     range(b, i), from, core::Json(around).dump());
}

TEST(RegexKnown, PatternsAreRecognizedExactly) {
  for (const Case& c : kCases) {
    EXPECT_TRUE(Regex(c.pattern, "test").is_hand_written()) << c.name;
    EXPECT_FALSE(Regex(c.pattern, "test", false).is_hand_written()) << c.name;
    EXPECT_FALSE(Regex(std::string(c.pattern) + "|x", "test").is_hand_written()) << c.name;
  }
}

TEST(RegexKnown, SameMatchesAsPcre2OnCorpus) {
  std::ifstream f(testing::data_dir() + "/corpus/dev.jsonl");
  if (!f) GTEST_SKIP() << "corpus not found under " << testing::data_dir();
  std::vector<std::string> texts;
  for (std::string line; std::getline(f, line);) texts.push_back(core::Json::parse(line).get<std::string>());
  ASSERT_GT(texts.size(), 2000u);
  for (const Case& c : kCases) {
    Regex fast(c.pattern, "test"), pcre(c.pattern, "test", false);
    for (const auto& t : texts) ASSERT_EQ(compare(fast, pcre, t), "") << c.name;
  }
}

// Every code point in planes 0-3 and 14 and the ends of 15-16 (4-13 are unassigned), each
// after an apostrophe and before a letter: every class of every code point and every caseless
// contraction letter is seen by both matchers.
TEST(RegexKnown, SameMatchesAsPcre2OnEveryCodePoint) {
  std::vector<char32_t> cps;
  for (char32_t c = 0; c < 0x40000; ++c)
    if (c < 0xD800 || c > 0xDFFF) cps.push_back(c);
  for (char32_t c = 0xE0000; c < 0xE1000; ++c) cps.push_back(c);
  for (char32_t c : {0xF0000, 0xFFFFD, 0x100000, 0x10FFFD, 0x10FFFF}) cps.push_back(c);
  const char* const kAfter[] = {"e", "L"};  // completes 're 've and 'll; other contexts below
  for (const Case& c : kCases) {
    Regex fast(c.pattern, "test"), pcre(c.pattern, "test", false);
    for (const char* after : kAfter) {
      std::string text;
      text.reserve(cps.size() * 6);
      for (char32_t cp : cps) {
        text += '\'';
        utf8::append(text, cp);
        text += after;
      }
      ASSERT_EQ(compare(fast, pcre, text), "") << c.name << " after '" << after << "'";
    }
  }
}

TEST(RegexKnown, SameMatchesAsPcre2OnRandomStrings) {
  // Spaces of every kind, \r \n, the contraction letters in both cases with their caseless
  // look-alikes (U+017F long s, U+212A Kelvin), letters, marks, digits of several kinds,
  // punctuation, symbols, emoji, joiners and format chars.
  const char32_t kAlphabet[] = {
      ' ', ' ', ' ', '\t', '\r', '\n', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2028,
      0x2029, 0x202F, 0x3000, 0x200B, 0xFEFF, '\'', '\'', 0x2019, 's', 'S', 0x17F, 't', 'T', 'r',
      'R', 'e', 'E', 'v', 'V', 'm', 'M', 'l', 'L', 'd', 'D', 'k', 0x212A, 'a', 'Z', 0xE9, 0x130,
      0x4E2D, 0x3042, 0xAC00, 0x627, 0x5D0, 0x915, 0x93F, 0x301, 0x300, 0x20DD, '0', '7', 0x663,
      0xBD, 0xB2, 0x2162, 0x1D7CE, '.', ',', '!', '?', '-', '_', '/', '(', '"', '$', '+', 0xA7,
      0x1F600, 0x1F468, 0x200D, 0xFE0F, 0x1F3FB, 0x10FFFD, 0xE0001};
  std::mt19937 rng(1234);
  std::uniform_int_distribution<size_t> pick(0, std::size(kAlphabet) - 1), len(0, 24);
  for (const Case& c : kCases) {
    Regex fast(c.pattern, "test"), pcre(c.pattern, "test", false);
    for (int n = 0; n < 20000; ++n) {
      std::string text;
      for (size_t k = len(rng); k > 0; --k) utf8::append(text, kAlphabet[pick(rng)]);
      ASSERT_EQ(compare(fast, pcre, text), "") << c.name;
    }
    // Long runs of spaces and newlines, alone and around words.
    for (const char* t : {"", " ", "  ", "\n", " \n ", "a   ", "   a", "\r\n\r\n  x", "\t\t\tfoo",
                          "x \n\n \t y", "'S'LL'ſ'Ve 're"}) {
      ASSERT_EQ(compare(fast, pcre, t), "") << c.name;
      std::string big = std::string(t) + std::string(5000, ' ') + t + std::string(3000, '\n') + t;
      ASSERT_EQ(compare(fast, pcre, big), "") << c.name;
    }
  }
}

}  // namespace
}  // namespace hfcpp::tokenizers
