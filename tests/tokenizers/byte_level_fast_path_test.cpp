// encode's string-view path for GPT-2-style ByteLevel pipelines (Tokenizer::Impl::
// encode_byte_level_words) against the general NormalizedString path (set_fast_paths(false)):
// ids, tokens, offsets and word ids must agree on the shared corpus and on edge cases (several
// scripts, combining marks, whitespace runs, contractions, CRLF, added tokens), also under
// truncation (early stop, overflowing) and padding. The general path itself is checked
// against the reference by the golden tests.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/fast_path_compare.h"

namespace {

using hfcpp::testing::expect_same;
using hfcpp::tokenizers::Encoding;
using hfcpp::tokenizers::Tokenizer;
using hfcpp::tokenizers::TruncationParams;

const std::string& kData = hfcpp::testing::kTokenizerData;

std::vector<std::string> test_texts() {
  std::vector<std::string> texts = {
      "",
      " ",
      "Hello world",
      "  leading and trailing   ",
      "tabs\tand\nnewlines\r\nCRLF\r\n\r\n  x",
      "I'M HE'S WE'LL THEY'VE YOU'RE I'D it's 'tis ''s",
      "caf\xC3\xA9 na\xC3\xAFve e\xCC\x81 a\xCC\x8A\xCC\x81",  // precomposed and combining marks
      "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xCE\xB3\xCE\xB5\xCE\xB9\xCE\xB1",  // Cyrillic, Greek
      "\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C \xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF",
      "\xD9\xA1\xD9\xA2\xD9\xA3 \xE0\xA5\xA7\xE0\xA5\xA8 \xE2\x85\xA0\xE2\x85\xA1 123 4.5e6",  // digits of several scripts
      "emoji \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD zwj \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
      "nbsp\xC2\xA0x  \xE2\x80\x83" "em space\xE3\x80\x80ideographic",
      "<|endoftext|>before<|endoftext|> after <|endoftext|>",
      "a  <|endoftext|>  b",
      "symbols!!! ??? ... --- ((x)) [y] {z} @#$%^&*",
      "x    y\n\n\nz      ",
  };
  for (std::string& t : hfcpp::testing::corpus_texts(300)) texts.push_back(std::move(t));
  return texts;
}


class ByteLevelFastPath : public ::testing::TestWithParam<std::string> {};

TEST_P(ByteLevelFastPath, MatchesGeneralPath) {
  std::ifstream probe(kData + "/" + GetParam() + "/tokenizer.json");
  if (!probe.good()) GTEST_SKIP() << "shared tokenizer data missing: " << kData;
  Tokenizer fast = Tokenizer::load(kData + "/" + GetParam());
  fast.set_truncation(std::nullopt);
  fast.set_padding(std::nullopt);
  Tokenizer general = Tokenizer::load(kData + "/" + GetParam());
  general.set_padding(std::nullopt);
  general.set_truncation(std::nullopt);
  general.set_fast_paths(false);
  std::vector<std::string> texts = test_texts();
  ASSERT_GT(texts.size(), 100u);
  for (const std::string& t : texts) {
    for (bool special : {false, true})
      expect_same(fast.encode(t, special), general.encode(t, special), t);
  }
  expect_same(fast.encode_pair(texts[3], texts[6], true), general.encode_pair(texts[3], texts[6], true),
              "pair");
  for (size_t max_length : {5, 12}) {
    for (bool from_left : {false, true}) {
      TruncationParams p;
      p.max_length = max_length;
      p.from_left = from_left;
      fast.set_truncation(p);
      general.set_truncation(p);
      for (size_t i = 0; i < 40; ++i) {
        expect_same(fast.encode(texts[i], true), general.encode(texts[i], true), "truncated " + texts[i]);
        expect_same(fast.encode_pair(texts[i], texts[i + 1], true),
                    general.encode_pair(texts[i], texts[i + 1], true), "truncated pair " + texts[i]);
      }
    }
  }
  // Invalid UTF-8 is refused the same way on both paths.
  EXPECT_THROW((void)fast.encode("ab\xFF" "cd", false), hfcpp::Error);
  EXPECT_THROW((void)general.encode("ab\xFF" "cd", false), hfcpp::Error);
}

INSTANTIATE_TEST_SUITE_P(Shared, ByteLevelFastPath, ::testing::Values("gpt2", "roberta-base"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
