#include <gtest/gtest.h>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/generation_config.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

void expect_invalid(const GenerationConfig& c, const std::string& field) {
  try {
    c.validate();
    FAIL() << "expected an error about " << field;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(e.message().find(field), std::string::npos) << e.message();
  }
}

}  // namespace

TEST(GenerationConfig, TransformersDefaults) {
  const GenerationConfig c = GenerationConfig::from_json(core::Json::object());
  EXPECT_EQ(c.max_length, 20);
  EXPECT_FALSE(c.max_new_tokens);
  EXPECT_FALSE(c.do_sample);
  EXPECT_EQ(c.num_beams, 1);
  EXPECT_EQ(c.top_k, 50);
  EXPECT_DOUBLE_EQ(c.top_p, 1.0);
  EXPECT_DOUBLE_EQ(c.temperature, 1.0);
  EXPECT_EQ(c.early_stopping, EarlyStopping::False);
  EXPECT_NO_THROW(c.validate());
}

TEST(GenerationConfig, ReadsFieldsAndEosLists) {
  const auto j = core::parse_json(
      R"({"bos_token_id": 1, "eos_token_id": [2, 7], "pad_token_id": 0, "do_sample": true, "temperature": 0.6,
          "top_p": 0.9, "top_k": 20, "max_new_tokens": 64, "early_stopping": "never", "unknown": 1,
          "bad_words_ids": [[3], [4, 5]], "min_p": null})",
      "test");
  const GenerationConfig c = GenerationConfig::from_json(j);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{2, 7}));
  EXPECT_EQ(*c.pad_token_id, 0);
  EXPECT_TRUE(c.do_sample);
  EXPECT_EQ(c.early_stopping, EarlyStopping::Never);
  EXPECT_EQ(c.effective_max_length(10), 74);
  EXPECT_FALSE(c.min_p);
  EXPECT_EQ(c.bad_words_ids.size(), 2u);
  const GenerationConfig single = GenerationConfig::from_json(core::parse_json(R"({"eos_token_id": 2})", "t"));
  EXPECT_EQ(single.eos_token_ids, (std::vector<int64_t>{2}));
  EXPECT_EQ(single.effective_max_length(10), 20);
}

TEST(GenerationConfig, MistypedFieldIsAFormatError) {
  try {
    GenerationConfig::from_json(core::parse_json(R"({"top_k": "many"})", "t"), "generation_config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format);
    EXPECT_NE(e.message().find("top_k"), std::string::npos);
  }
}

TEST(GenerationConfig, ValidationRefusesBadValues) {
  GenerationConfig c;
  c.max_new_tokens = 0;
  expect_invalid(c, "max_new_tokens");
  c = {};
  c.temperature = -0.5;
  expect_invalid(c, "temperature");
  c = {};
  c.do_sample = true;
  c.temperature = 0;
  expect_invalid(c, "temperature");
  c = {};
  c.top_p = 1.5;
  expect_invalid(c, "top_p");
  c.top_p = 0;
  expect_invalid(c, "top_p");
  c = {};
  c.top_k = -1;
  expect_invalid(c, "top_k");
  c = {};
  c.min_p = 2.0;
  expect_invalid(c, "min_p");
  c = {};
  c.typical_p = 0;
  expect_invalid(c, "typical_p");
  c = {};
  c.repetition_penalty = 0;
  expect_invalid(c, "repetition_penalty");
  c = {};
  c.num_beams = 2;
  c.num_return_sequences = 3;
  expect_invalid(c, "num_return_sequences");
  c = {};
  c.num_return_sequences = 2;
  expect_invalid(c, "num_return_sequences");
  c = {};
  c.num_beams = 0;
  expect_invalid(c, "num_beams");
  c = {};
  c.stop_strings = {""};
  expect_invalid(c, "stop string");
}

TEST(GenerationConfig, ParsesEarlyStopping) {
  EXPECT_EQ(parse_early_stopping("true"), EarlyStopping::True);
  EXPECT_EQ(parse_early_stopping("never"), EarlyStopping::Never);
  EXPECT_THROW(parse_early_stopping("sometimes"), Error);
}
