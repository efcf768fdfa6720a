// Shared by the fast-path tests (byte_level_fast_path_test, bert_fast_path_test): the shared
// corpus texts and a field-by-field comparison of a fast-path encoding with the general path's.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::testing {

inline const std::string kTokenizerData = std::string(HFCPP_SOURCE_DIR) + "/../shared/data/tokenizers";

// The first `max` texts of the shared DEV corpus.
inline std::vector<std::string> corpus_texts(size_t max) {
  std::vector<std::string> texts;
  std::ifstream in(kTokenizerData + "/corpus/dev.jsonl");
  std::string line;
  while (texts.size() < max && std::getline(in, line)) texts.push_back(core::Json::parse(line).get<std::string>());
  return texts;
}

// Everything an Encoding holds, overflowing encodings included.
inline void expect_same(const tokenizers::Encoding& fast, const tokenizers::Encoding& general, const std::string& what) {
  EXPECT_EQ(fast.ids, general.ids) << what;
  EXPECT_EQ(fast.tokens, general.tokens) << what;
  EXPECT_EQ(fast.offsets, general.offsets) << what;
  EXPECT_EQ(fast.word_ids, general.word_ids) << what;
  EXPECT_EQ(fast.type_ids, general.type_ids) << what;
  EXPECT_EQ(fast.special_tokens_mask, general.special_tokens_mask) << what;
  EXPECT_EQ(fast.attention_mask, general.attention_mask) << what;
  EXPECT_EQ(fast.sequence_ranges, general.sequence_ranges) << what;
  ASSERT_EQ(fast.overflowing.size(), general.overflowing.size()) << what;
  for (size_t i = 0; i < fast.overflowing.size(); ++i)
    expect_same(fast.overflowing[i], general.overflowing[i], what + " (overflowing " + std::to_string(i) + ")");
}

}  // namespace hfcpp::testing
