// encode's fused BERT path (BertFastPath: BertNormalizer + BertPreTokenizer + WordPiece) against
// the general NormalizedString pipeline (set_fast_paths(false)): ids, tokens, offsets, word
// ids, type ids, masks and overflowing must agree on the shared corpus and on edge cases
// (accents, combining marks NFD reorders, CJK, control chars, Unicode whitespace, long and
// unknown words, added tokens), for bert-base-uncased and for variants of it with other
// BertNormalizer flags (cased, no clean_text, ...), with and without truncation and padding.
// The general path itself is checked against the reference by the golden tests.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/fast_path_compare.h"

namespace {

using hfcpp::core::Json;
using hfcpp::testing::corpus_texts;
using hfcpp::testing::expect_same;
using hfcpp::tokenizers::Encoding;
using hfcpp::tokenizers::PaddingParams;
using hfcpp::tokenizers::Tokenizer;
using hfcpp::tokenizers::TruncationParams;
using hfcpp::tokenizers::TruncationStrategy;

const std::string& kData = hfcpp::testing::kTokenizerData;

std::vector<std::string> edge_texts() {
  return {
      "",
      " ",
      "\t\n\r ",
      "Hello, World! Don't stop-me; (now) [please]...",
      "HeLLo [SEP] wOrld [CLS][MASK] x[UNK]y [PAD]",
      "Caf\u00e9 na\u00efve e\u0301 A\u030a\u0301 \u00c5ngstr\u00f6m \u00c9COLE \u0390 \u1e9b\u0323",
      // Non-starters NFD reorders (U+1D165 is a spacing mark NFD keeps), and a Thai/Tibetan mix.
      "a\u0316\u0301 e\u0301\u0316 x\U0001D165\u0301y q\u0f71\u0f72 \u0e01\u0e34\u0e48",
      "\u0130stanbul \u01c5 \u00df \u03a3\u0391\u03a3 \u1e9e \u2126 \u212a",
      "\u4f60\u597d\u4e16\u754c\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4 \uf900\uf901 "
      "\u6f22\u5b57\u304b\u306a\u6df7\u3058\u308a \uff21\uff22\uff23 \U00020000\U0002F800",
      std::string("a\x01" "b\x7f" "c\u200bd\ufeffe") + std::string(1, '\0') + "f\ufffd g\u0085h\u00adi\x1c" "j",
      "nbsp\u00a0x\u2003y\u3000z\u2028w\x0b" "v\x0c" "u\u1680t\u202fs",
      std::string(150, 'a') + " " + std::string(100, 'b') + " " + std::string(101, 'c') + " " +
          std::string(40, 'x') + "\u00e9" + std::string(59, 'y') + " supercalifragilisticexpialidocious",
      "\U0001F600\U0001F44D\U0001F3FD xqzjvkwpf \u2167 \u2168 \U0001F468\u200d\U0001F469",
      "\u041f\u0440\u0438\u0432\u0435\u0442 \u03b3\u03b5\u03b9\u03ac \u0645\u0631\u062d\u0628\u0627 "
      "\u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 \u0e20\u0e32\u0e29\u0e32",
      "\u00abquoted\u00bb \u2014 dash\u2026 \u00bfqu\u00e9? \u00a1hola! \u300c\u62ec\u5f27\u300d \u037e; \u1fef`",
      "\uff11\uff12\uff13 3.14 1,000,000 \u00bd \u00b2",
      "x    y\n\n\nz      ",
  };
}

// Encodes every text (alone, with and without special tokens, and in pairs) both ways.
void check_texts(Tokenizer& tok, const std::vector<std::string>& texts, const std::string& variant) {
  auto both = [&](auto&& encode, const std::string& what) {
    tok.set_fast_paths(true);
    Encoding fast = encode();
    tok.set_fast_paths(false);
    Encoding general = encode();
    expect_same(fast, general, variant + ": " + what);
  };
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& t = texts[i];
    for (bool special : {false, true}) both([&] { return tok.encode(t, special); }, t);
    if (i % 7 == 0) {
      const std::string& u = texts[(i * 5 + 3) % texts.size()];
      both([&] { return tok.encode_pair(t, u, true); }, "pair " + t + " | " + u);
    }
  }
}

Json load_json() { return Json::parse(hfcpp::core::read_file(kData + "/bert-base-uncased/tokenizer.json")); }

bool have_data() { return std::ifstream(kData + "/bert-base-uncased/tokenizer.json").good(); }

TEST(BertFastPath, MatchesGeneralPathOnCorpusAndEdgeCases) {
  if (!have_data()) GTEST_SKIP() << "shared tokenizer data missing: " << kData;
  Tokenizer tok = Tokenizer::load(kData + "/bert-base-uncased");
  std::vector<std::string> texts = edge_texts();
  for (std::string& t : corpus_texts(2002)) texts.push_back(std::move(t));
  ASSERT_GT(texts.size(), 1000u);
  check_texts(tok, texts, "bert-base-uncased");
  EXPECT_THROW((void)tok.encode("ab\xFF" "cd", false), hfcpp::Error);
}

// BertNormalizer flag combinations (a cased model keeps case and accents; others switch off
// clean_text or handle_chinese_chars), a small max_input_chars_per_word, and added tokens
// with lstrip / rstrip / single_word (and one matched after normalization, which the fast
// path leaves to the general one).
TEST(BertFastPath, MatchesGeneralPathForOtherFlags) {
  if (!have_data()) GTEST_SKIP() << "shared tokenizer data missing: " << kData;
  std::vector<std::string> texts = edge_texts();
  for (std::string& t : corpus_texts(250)) texts.push_back(std::move(t));
  texts.push_back("a <extra> b<extra>c  <extra>  word <W> <w> xx<W>yy <NORM> norm <norm>");
  struct Flags {
    const char* name;
    bool clean, chinese, lower;
    Json strip;
  };
  const std::vector<Flags> variants = {
      {"cased", true, true, false, nullptr},
      {"strip_only", true, true, false, true},
      {"lower_no_strip", true, true, true, false},
      {"all_off", false, false, false, false},
  };
  for (const Flags& f : variants) {
    Json j = load_json();
    Json& n = j["normalizer"];
    n["clean_text"] = f.clean;
    n["handle_chinese_chars"] = f.chinese;
    n["lowercase"] = f.lower;
    n["strip_accents"] = f.strip;
    if (std::string(f.name) == "cased") j["model"]["max_input_chars_per_word"] = 6;
    auto added = [](const char* content, bool lstrip, bool rstrip, bool single, bool normalized, int id) {
      return Json{{"id", id},         {"content", content}, {"single_word", single}, {"lstrip", lstrip},
                  {"rstrip", rstrip}, {"normalized", normalized}, {"special", false}};
    };
    j["added_tokens"].push_back(added("<extra>", true, true, false, false, 30522));
    j["added_tokens"].push_back(added("<W>", false, false, true, false, 30523));
    Tokenizer tok = Tokenizer::from_json(j.dump(), f.name);
    check_texts(tok, texts, f.name);
    if (std::string(f.name) == "all_off") {
      j["added_tokens"].push_back(added("<NORM>", false, false, false, true, 30524));
      Tokenizer normalized_added = Tokenizer::from_json(j.dump(), "normalized added token");
      check_texts(normalized_added, texts, "normalized added token");
    }
  }
}

// Truncation (the early stop while tokenizing, then post-processing's cut with overflowing)
// and padding on top of the fast path's output.
TEST(BertFastPath, MatchesGeneralPathWithTruncationAndPadding) {
  if (!have_data()) GTEST_SKIP() << "shared tokenizer data missing: " << kData;
  Tokenizer tok = Tokenizer::load(kData + "/bert-base-uncased");
  std::vector<std::string> texts = edge_texts();
  for (std::string& t : corpus_texts(60)) texts.push_back(std::move(t));
  texts.push_back("[CLS] [SEP] [CLS] a b c d e f g h [SEP] [MASK] [MASK] i j k l m n [PAD]");
  PaddingParams pad;
  pad.fixed_length = 24;
  for (size_t max_length : {5, 16, 40}) {
    for (bool from_left : {false, true}) {
      for (TruncationStrategy strategy : {TruncationStrategy::LongestFirst, TruncationStrategy::OnlyFirst,
                                          TruncationStrategy::OnlySecond}) {
        TruncationParams p;
        p.max_length = max_length;
        p.from_left = from_left;
        p.strategy = strategy;
        tok.set_truncation(p);
        tok.set_padding(max_length == 16 ? std::optional<PaddingParams>(pad) : std::nullopt);
        std::string variant = "max_length " + std::to_string(max_length) + (from_left ? " left" : " right") +
                              " strategy " + std::to_string(static_cast<int>(strategy));
        for (const std::string& t : texts) {
          auto both = [&](auto&& encode, const std::string& what) {
            tok.set_fast_paths(true);
            std::optional<Encoding> fast, general;
            bool fast_threw = false, general_threw = false;
            try { fast = encode(); } catch (const hfcpp::Error&) { fast_threw = true; }
            tok.set_fast_paths(false);
            try { general = encode(); } catch (const hfcpp::Error&) { general_threw = true; }
            ASSERT_EQ(fast_threw, general_threw) << variant << ": " << what;
            if (fast) expect_same(*fast, *general, variant + ": " + what);
          };
          if (strategy != TruncationStrategy::OnlySecond)
            both([&] { return tok.encode(t, true); }, t);
          both([&] { return tok.encode_pair(t, texts[texts.size() - 1], true); }, "pair " + t);
        }
      }
    }
  }
}

}  // namespace
