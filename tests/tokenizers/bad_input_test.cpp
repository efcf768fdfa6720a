// Malformed tokenizer.json and invalid input: Error(Format) naming the JSON path, never a crash.
#include <gtest/gtest.h>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::tokenizers {
namespace {

const char* kTiny = R"({"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"},
  "pre_tokenizer": {"type": "WhitespaceSplit"}, "added_tokens": []})";

void expect_format_error(const std::string& json, const std::string& needle) {
  try {
    Tokenizer::from_json(json);
    ADD_FAILURE() << "no error for " << json;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TokenizerLoad, TinyWordLevelWorks) {
  Tokenizer t = Tokenizer::from_json(kTiny);
  Encoding e = t.encode("a b c");
  EXPECT_EQ(e.ids, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(e.offsets[2], (Offsets{4, 5}));
}

TEST(TokenizerLoad, MalformedFilesNameTheJsonPath) {
  expect_format_error("{", "invalid JSON");
  expect_format_error("[]", "root");
  expect_format_error(R"({"normalizer": null})", "model");
  expect_format_error(R"({"model": {"type": "Nope", "vocab": {}}})", "model.type");
  expect_format_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})",
                      "model.merges[0]");
  expect_format_error(R"({"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}})", "model.vocab");
  expect_format_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}},
                          "normalizer": {"type": "Sequence", "normalizers": [{"type": "Bogus"}]}})",
                      "normalizer.normalizers[0].type");
  expect_format_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}},
                          "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"}})",
                      "pre_tokenizer.pattern.Regex");
  expect_format_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}, "added_tokens": [{"id": 1}]})",
                      "added_tokens[0].content");
  expect_format_error(R"({"model": {"type": "Unigram", "vocab": [["a", "x"]]}})", "model.vocab[0]");
  expect_format_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}, "truncation": {"max_length": "x"}})",
                      "truncation.max_length");
  expect_format_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}},
                          "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAAA"}})",
                      "precompiled_charsmap");
}

TEST(TokenizerEncode, InvalidUtf8IsRefused) {
  Tokenizer t = Tokenizer::from_json(kTiny);
  try {
    t.encode("a \xff b");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("offset 2"), std::string::npos) << e.what();
  }
}

TEST(TokenizerEncode, BatchPaddingAndTruncation) {
  Tokenizer t = Tokenizer::from_json(kTiny);
  t.set_padding(PaddingParams{.pad_id = 2, .pad_token = "[UNK]"});
  t.set_truncation(TruncationParams{.max_length = 3});
  std::vector<std::string> texts = {"a", "a b a b", "b b"};
  auto out = t.encode_batch(texts);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& e : out) EXPECT_EQ(e.size(), 3u);
  EXPECT_EQ(out[0].attention_mask, (std::vector<uint32_t>{1, 0, 0}));
  // As the reference, tokenization stops once max_length is reached: no overflow remains.
  EXPECT_EQ(out[1].overflowing.size(), 0u);
  EXPECT_EQ(t.decode(out[2].ids, false), "b b [UNK]");
}

}  // namespace
}  // namespace hfcpp::tokenizers
