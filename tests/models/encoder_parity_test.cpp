// Tiny random encoders (scripts/golden/make_tiny_encoders.py, committed under tests/models/tiny)
// against transformers' outputs on a padded batch of mixed lengths: every hidden state and every
// head output within the f32 tolerance; with --dtype bf16, within a bf16 tolerance of transformers
// run in bfloat16 and no farther from the f32 outputs than transformers' bf16 run is.
#include <gtest/gtest.h>

#include <algorithm>
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

// --dtype bf16 (bf16 matmul weights and embedding tables, f32 LayerNorm parameters and biases, f32
// compute) against transformers' torch_dtype=bfloat16 run (every weight, activation and op in
// bf16; the .bf16 goldens) and against the f32 reference. bf16 keeps 8 significant bits: one
// rounding is off by up to 2^-9 = 0.2% relative, and transformers rounds after every op, so two
// layers of O(1) hidden states drift by ~1e-2 (measured max 0.046 at |h| ~ 3 against
// transformers' bf16, 0.011 against f32). Hence kTolBF16 (atol 1e-2, rtol 4e-2) element-wise
// against both references, and hfcpp, computing in f32, must be at least as close to the f32
// outputs as transformers' bf16 run is (NMSE; measured 4-16x closer).
struct Bf16Worst {
  double vs_bf16 = 0, vs_f32 = 0, torch_vs_f32 = 0;
  void add(const hfcpp::testing::CloseReport& a, const hfcpp::testing::CloseReport& b,
           const hfcpp::testing::CloseReport& c) {
    vs_bf16 = std::max(vs_bf16, a.max_abs);
    vs_f32 = std::max(vs_f32, b.max_abs);
    torch_vs_f32 = std::max(torch_vs_f32, c.max_abs);
  }
};

void compare_bf16_output(const Tensor& actual, const Tensor& torch_bf16, const Tensor& f32,
                         const std::string& what, Bf16Worst& worst) {
  ASSERT_TRUE(actual.defined()) << what << " missing";
  ASSERT_EQ(actual.shape(), f32.shape()) << what;
  ASSERT_EQ(torch_bf16.shape(), f32.shape()) << what;
  const auto a = actual.to_float_vector(), b = torch_bf16.to_float_vector(), e = f32.to_float_vector();
  const auto tol = hfcpp::testing::kTolBF16;
  const auto vs_bf16 = hfcpp::testing::compare_close(a, b, tol);
  const auto vs_f32 = hfcpp::testing::compare_close(a, e, tol);
  const auto torch_vs_f32 = hfcpp::testing::compare_close(b, e, tol);
  EXPECT_TRUE(vs_bf16.ok) << what << " vs transformers bf16: " << vs_bf16.describe();
  EXPECT_TRUE(vs_f32.ok) << what << " vs transformers f32: " << vs_f32.describe();
  EXPECT_LE(vs_f32.nmse, torch_vs_f32.nmse)
      << what << ": hfcpp bf16 is farther from f32 than transformers' bf16 run: " << vs_f32.describe()
      << " vs " << torch_vs_f32.describe();
  worst.add(vs_bf16, vs_f32, torch_vs_f32);
}

TEST_P(EncoderParity, Bf16MatchesTransformersBf16) {
  const Case& c = GetParam();
  const std::string dir = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny/" + c.arch + "/" + c.head;
  const std::string golden_stem = std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/" + c.arch + "-" + c.head;
  auto golden = formats::SafetensorsFile::open(golden_stem + ".safetensors");
  auto golden_bf16 = formats::SafetensorsFile::open(golden_stem + ".bf16.safetensors");
  models::LoadOptions options;
  options.dtype = tensor::DType::BF16;
  auto model = models::load_encoder(dir, options);

  models::EncoderBatch batch;
  batch.input_ids = golden.tensor("input_ids");
  batch.attention_mask = golden.tensor("attention_mask");
  if (golden.contains("token_type_ids")) batch.token_type_ids = golden.tensor("token_type_ids");
  batch.output_hidden_states = true;
  auto out = model->forward(batch);

  std::vector<std::pair<std::string, Tensor>> outputs;
  for (size_t i = 0; i < out.hidden_states.size(); ++i)
    outputs.push_back({"hidden_states." + std::to_string(i), out.hidden_states[i]});
  for (const auto& [name, t] : {std::pair<const char*, const Tensor&>{"last_hidden_state", out.last_hidden_state},
                                {"pooler_output", out.pooler_output},
                                {"logits", out.logits},
                                {"start_logits", out.start_logits},
                                {"end_logits", out.end_logits}})
    outputs.push_back({name, t});
  Bf16Worst worst;
  int compared = 0;
  for (const auto& [name, actual] : outputs) {
    if (!golden.contains(name)) continue;
    ASSERT_TRUE(golden_bf16.contains(name)) << name;
    compare_bf16_output(actual, golden_bf16.tensor(name), golden.tensor(name), name, worst);
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(golden_bf16.names().size()));
  EXPECT_GT(worst.vs_f32, 1e-4) << "the outputs equal the f32 ones: bf16 weights were not used";
  std::printf("[ %s/%s bf16 ] max |hfcpp - transformers bf16| %.3g, max |hfcpp - f32| %.3g "
              "(transformers bf16 vs f32: %.3g)\n",
              c.arch.c_str(), c.head.c_str(), worst.vs_bf16, worst.vs_f32, worst.torch_vs_f32);
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
