// Tiny random encoders (scripts/golden/make_tiny_encoders.py, committed under tests/models/tiny)
// against transformers' outputs on a padded batch of mixed lengths: every hidden state and every
// head output within the f32 tolerance.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/models/auto_model.h"
#include "tolerance.h"
#include "temp_path.h"

using namespace hfcpp;
using hfcpp::tensor::Tensor;

namespace {

struct Case {
  std::string arch, head;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s = info.param.arch + "_" + info.param.head;
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

class EncoderParity : public ::testing::TestWithParam<Case> {};

void expect_tensor_close(const Tensor& actual, const Tensor& expected, const std::string& what,
                         hfcpp::testing::Tolerance tol) {
  ASSERT_TRUE(actual.defined()) << what << " missing";
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  auto a = actual.to_float_vector();
  auto e = expected.to_float_vector();
  auto report = hfcpp::testing::compare_close(a, e, tol);
  EXPECT_TRUE(report.ok) << what << ": " << report.describe();
}

TEST_P(EncoderParity, MatchesTransformers) {
  const Case& c = GetParam();
  const std::string dir = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny/" + c.arch + "/" + c.head;
  auto golden = formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/" +
                                               c.arch + "-" + c.head + ".safetensors");
  auto model = models::load_encoder(dir);
  EXPECT_EQ(models::encoder_task_name(model->task()), c.head);

  models::EncoderBatch batch;
  batch.input_ids = golden.tensor("input_ids");
  batch.attention_mask = golden.tensor("attention_mask");
  if (golden.contains("token_type_ids")) batch.token_type_ids = golden.tensor("token_type_ids");
  batch.output_hidden_states = true;
  auto out = model->forward(batch);

  const auto tol = hfcpp::testing::kTolF32;
  int n_hidden = 0;
  while (golden.contains("hidden_states." + std::to_string(n_hidden))) ++n_hidden;
  ASSERT_EQ(static_cast<int>(out.hidden_states.size()), n_hidden);
  for (int i = 0; i < n_hidden; ++i)
    expect_tensor_close(out.hidden_states[i], golden.tensor("hidden_states." + std::to_string(i)),
                        "hidden_states." + std::to_string(i), tol);
  if (golden.contains("last_hidden_state"))
    expect_tensor_close(out.last_hidden_state, golden.tensor("last_hidden_state"), "last_hidden_state", tol);
  if (golden.contains("pooler_output"))
    expect_tensor_close(out.pooler_output, golden.tensor("pooler_output"), "pooler_output", tol);
  if (golden.contains("logits")) expect_tensor_close(out.logits, golden.tensor("logits"), "logits", tol);
  if (golden.contains("start_logits")) {
    expect_tensor_close(out.start_logits, golden.tensor("start_logits"), "start_logits", tol);
    expect_tensor_close(out.end_logits, golden.tensor("end_logits"), "end_logits", tol);
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* arch : {"bert", "roberta", "distilbert", "xlm-roberta"})
    for (const char* head : {"base", "sequence-classification", "token-classification", "question-answering", "masked-lm"})
      cases.push_back({arch, head});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Tiny, EncoderParity, ::testing::ValuesIn(all_cases()), case_name);

TEST(EncoderLoading, UnknownModelTypeListsSupportedOnes) {
  std::string dir = hfcpp::testing::unique_temp_path("unknown_model");
  std::filesystem::create_directories(dir);
  { std::ofstream(dir + "/config.json") << R"({"model_type": "not-a-model"})"; }
  try {
    models::load_encoder(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("not-a-model"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bert"), std::string::npos);
  }
}

TEST(EncoderLoading, PickleCheckpointRefusedWithReason) {
  std::string dir = hfcpp::testing::unique_temp_path("pickle_model");
  std::filesystem::create_directories(dir);
  { std::ofstream(dir + "/config.json") << R"({"model_type": "bert", "vocab_size": 10})"; }
  { std::ofstream(dir + "/pytorch_model.bin") << "PK"; }
  try {
    models::load_encoder(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pickle"), std::string::npos) << e.what();
  }
}

TEST(EncoderLoading, WrongShapeNamesTheTensor) {
  // A config that disagrees with the weights: every mis-shaped tensor is reported in one error.
  std::string src = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny/bert/base";
  std::string dir = hfcpp::testing::unique_temp_path("bad_shape_model");
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(src + "/model.safetensors", dir + "/model.safetensors",
                             std::filesystem::copy_options::overwrite_existing);
  auto cfg = core::parse_json(core::read_file(src + "/config.json"), "config.json");
  cfg["intermediate_size"] = 40;
  { std::ofstream(dir + "/config.json") << cfg.dump(); }
  try {
    models::load_encoder(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format);
    EXPECT_NE(std::string(e.what()).find("intermediate.dense.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
