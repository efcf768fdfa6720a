// Tiny random decoder-only LMs (scripts/golden/make_tiny_decoders.py, committed under
// tests/models/tiny_decoders) against transformers: logits of a left-padded batch of three prompts
// at prefill and over 20 greedy decode steps, for every architecture and every KV cache kind.
// f32 caches must match within the f32 tolerance; quantized caches within a stated NMSE.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"
#include "tolerance.h"
#include "temp_path.h"
#include "attention_mask_util.h"

using namespace hfcpp;
using hfcpp::models::KvCacheKind;
using hfcpp::tensor::DType;
using hfcpp::tensor::Tensor;

namespace {

const char* const kModels[] = {"llama",  "llama_linear", "llama_dynamic", "llama_yarn", "llama3",
                               "mistral", "qwen2",       "qwen3",         "gemma",      "gemma2",
                               "gemma3_text", "phi3",    "phi3_longrope", "gpt2"};

// Quantized caches keep residual_length positions in f32; these small settings make the 32-position
// test sequences spill into quantized groups. NMSE bounds of the logits against transformers' f32
// logits (DynamicCache), measured on these models with margin.
constexpr int64_t kQuantResidual = 4, kQuantGroup = 8;
constexpr double kNmseInt8 = 1e-3, kNmseInt4 = 5e-2;

std::string model_dir(const std::string& name) {
  return std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
}
formats::SafetensorsFile golden(const std::string& name) {
  return formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/decoder_" + name +
                                        ".safetensors");
}

const char* kind_name(KvCacheKind k) {
  switch (k) {
    case KvCacheKind::Dynamic: return "dynamic";
    case KvCacheKind::Static: return "static";
    case KvCacheKind::SlidingWindow: return "sliding";
    case KvCacheKind::QuantizedInt8: return "int8";
    case KvCacheKind::QuantizedInt4: return "int4";
  }
  return "?";
}

using hfcpp::testing::append_ones;

// Logits at real (unpadded) prompt positions only: transformers' rows for padding are arbitrary.
std::pair<std::vector<float>, std::vector<float>> real_positions(const Tensor& actual, const Tensor& expected,
                                                                  const Tensor& mask) {
  std::vector<float> a, e;
  const int64_t B = expected.size(0), T = expected.size(1), V = expected.size(2);
  const auto av = actual.to_float_vector(), ev = expected.to_float_vector(), mv = mask.to_float_vector();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      if (mv[b * T + t] != 0)
        for (int64_t v = 0; v < V; ++v) {
          a.push_back(av[(b * T + t) * V + v]);
          e.push_back(ev[(b * T + t) * V + v]);
        }
  return {a, e};
}

struct Case {
  std::string model;
  KvCacheKind kind;
};

class DecoderParity : public ::testing::TestWithParam<Case> {};

TEST_P(DecoderParity, PrefillAndGreedyStepsMatchTransformers) {
  const Case& c = GetParam();
  auto g = golden(c.model);
  auto lm = models::load_causal_lm(model_dir(c.model));
  const Tensor ids = g.tensor("input_ids"), mask0 = g.tensor("attention_mask");
  const Tensor step_tokens = g.tensor("step_tokens"), step_logits = g.tensor("step_logits");
  const int64_t B = ids.size(0), T = ids.size(1), steps = step_tokens.size(0), V = lm->vocab_size();
  const bool quantized = c.kind == KvCacheKind::QuantizedInt8 || c.kind == KvCacheKind::QuantizedInt4;
  auto cache = lm->make_cache({.kind = c.kind, .batch = B, .max_length = T + steps,
                               .residual_length = kQuantResidual, .group_size = kQuantGroup});

  auto out = lm->forward({.input_ids = ids, .attention_mask = mask0}, *cache);
  ASSERT_EQ(out.logits.shape(), (tensor::Shape{B, T, V}));
  auto [pa, pe] = real_positions(out.logits, g.tensor("prefill_logits"), mask0);
  std::vector<float> all_actual = pa, all_expected = pe;
  if (!quantized) {
    EXPECT_CLOSE(pa, pe, hfcpp::testing::kTolF32) << "prefill";
  }
  EXPECT_EQ(cache->length(), T);

  Tensor mask = mask0;
  for (int64_t s = 0; s < steps; ++s) {
    mask = append_ones(mask);
    const Tensor tok = step_tokens.select(0, s).contiguous().reshape({B, 1});
    auto step = lm->forward({.input_ids = tok, .attention_mask = mask, .last_token_logits_only = true}, *cache);
    ASSERT_EQ(step.logits.shape(), (tensor::Shape{B, 1, V}));
    const auto a = step.logits.to_float_vector(), e = step_logits.select(0, s).contiguous().to_float_vector();
    if (!quantized) {
      EXPECT_CLOSE(a, e, hfcpp::testing::kTolF32) << "decode step " << s;
    }
    all_actual.insert(all_actual.end(), a.begin(), a.end());
    all_expected.insert(all_expected.end(), e.begin(), e.end());
  }
  EXPECT_EQ(cache->length(), T + steps);
  if (quantized) {
    const auto report = hfcpp::testing::compare_close(all_actual, all_expected, hfcpp::testing::kTolF32);
    const double bound = c.kind == KvCacheKind::QuantizedInt8 ? kNmseInt8 : kNmseInt4;
    EXPECT_LE(report.nmse, bound) << report.describe();
    RecordProperty("nmse", std::to_string(report.nmse));
    std::printf("[ %s %s ] logits NMSE vs f32 transformers: %.3g (bound %.0e)\n", c.model.c_str(),
                kind_name(c.kind), report.nmse, bound);
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* m : kModels)
    for (KvCacheKind k : {KvCacheKind::Dynamic, KvCacheKind::Static, KvCacheKind::SlidingWindow,
                          KvCacheKind::QuantizedInt8, KvCacheKind::QuantizedInt4})
      cases.push_back({m, k});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Tiny, DecoderParity, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.model + "_" + kind_name(info.param.kind);
                         });

}  // namespace

namespace {

std::string copy_model(const std::string& name, const std::string& tag) {
  const std::string dir = hfcpp::testing::unique_temp_path("decoder_" + name + "_" + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(model_dir(name) + "/" + f, dir + "/" + f);
  return dir;
}

core::Json read_config(const std::string& dir) {
  std::ifstream in(dir + "/config.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return core::parse_json(text, "config.json");
}

void write_config(const std::string& dir, const core::Json& json) {
  std::ofstream(dir + "/config.json") << json.dump(2);
}

// Prefill + all decode steps with a dynamic cache, flattened, for whole-run comparisons.
std::vector<float> run_all_logits(const models::CausalLM& lm, formats::SafetensorsFile& g) {
  const Tensor ids = g.tensor("input_ids"), mask0 = g.tensor("attention_mask"), steps = g.tensor("step_tokens");
  auto cache = lm.make_cache({.batch = ids.size(0)});
  auto out = lm.forward({.input_ids = ids, .attention_mask = mask0}, *cache);
  std::vector<float> all = real_positions(out.logits, g.tensor("prefill_logits"), mask0).first;
  Tensor mask = mask0;
  for (int64_t s = 0; s < steps.size(0); ++s) {
    mask = append_ones(mask);
    auto step = lm.forward({.input_ids = steps.select(0, s).contiguous().reshape({ids.size(0), 1}),
                            .attention_mask = mask},
                           *cache);
    auto v = step.logits.to_float_vector();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

std::vector<float> golden_all_logits(formats::SafetensorsFile& g) {
  std::vector<float> all =
      real_positions(g.tensor("prefill_logits"), g.tensor("prefill_logits"), g.tensor("attention_mask")).second;
  auto steps = g.tensor("step_logits").to_float_vector();
  all.insert(all.end(), steps.begin(), steps.end());
  return all;
}

// The goldens must be able to tell each config feature apart: with the feature switched off,
// the logits must no longer match (otherwise a test passing says nothing about that feature).
struct Feature {
  std::string model, key;
  core::Json value;
};

class DecoderFeatureMatters : public ::testing::TestWithParam<Feature> {};

TEST_P(DecoderFeatureMatters, GoldenDetectsItsAbsence) {
  const Feature& f = GetParam();
  const std::string dir = copy_model(f.model, "feature_" + f.key);
  core::Json config = read_config(dir);
  config[f.key] = f.value;
  write_config(dir, config);
  auto g = golden(f.model);
  auto lm = models::load_causal_lm(dir);
  const auto report = hfcpp::testing::compare_close(run_all_logits(*lm, g), golden_all_logits(g),
                                                    hfcpp::testing::kTolF32);
  EXPECT_FALSE(report.ok) << f.model << " with " << f.key << " = " << f.value.dump() << " still matches";
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, DecoderFeatureMatters,
    ::testing::Values(Feature{"llama_linear", "rope_scaling", nullptr},
                      Feature{"llama_dynamic", "rope_scaling", nullptr},
                      Feature{"llama_yarn", "rope_scaling", nullptr}, Feature{"llama3", "rope_scaling", nullptr},
                      Feature{"mistral", "sliding_window", nullptr}, Feature{"qwen2", "use_sliding_window", false},
                      Feature{"gemma2", "attn_logit_softcapping", nullptr},
                      Feature{"gemma2", "final_logit_softcapping", nullptr},
                      Feature{"gemma2", "query_pre_attn_scalar", 16}, Feature{"gemma3_text", "rope_scaling", nullptr},
                      Feature{"gemma3_text", "rope_local_base_freq", 1000000.0},
                      Feature{"phi3", "sliding_window", nullptr}, Feature{"phi3", "partial_rotary_factor", 1.0},
                      Feature{"phi3_longrope", "rope_scaling", nullptr}),
    [](const ::testing::TestParamInfo<Feature>& info) { return info.param.model + "_" + info.param.key; });

TEST(DecoderOutputs, LastTokenLogitsOnlyAndHiddenStates) {
  auto g = golden("qwen3");
  auto lm = models::load_causal_lm(model_dir("qwen3"));
  const Tensor ids = g.tensor("input_ids"), mask = g.tensor("attention_mask");
  auto full_cache = lm->make_cache({.batch = 3});
  auto full = lm->forward({.input_ids = ids, .attention_mask = mask, .output_hidden_states = true}, *full_cache);
  EXPECT_EQ(full.hidden_states.size(), 3u);  // embeddings + 2 layers (the last one after the final norm)
  auto last_cache = lm->make_cache({.batch = 3});
  auto last = lm->forward({.input_ids = ids, .attention_mask = mask, .last_token_logits_only = true}, *last_cache);
  ASSERT_EQ(last.logits.shape(), (tensor::Shape{3, 1, lm->vocab_size()}));
  EXPECT_CLOSE(last.logits, full.logits.narrow(1, ids.size(1) - 1, 1).contiguous(), hfcpp::testing::kTolF32);
}

TEST(DecoderOutputs, UnpaddedSingleRowMatchesItsBatchRow) {
  // Row 1 of the golden batch has no padding: alone, without a mask, it must give the same logits.
  auto g = golden("gemma2");
  auto lm = models::load_causal_lm(model_dir("gemma2"));
  const Tensor ids = g.tensor("input_ids").narrow(0, 1, 1).contiguous();
  auto cache = lm->make_cache({});
  auto out = lm->forward({.input_ids = ids}, *cache);
  EXPECT_CLOSE(out.logits, g.tensor("prefill_logits").narrow(0, 1, 1).contiguous(), hfcpp::testing::kTolF32);
}

TEST(DecoderDtype, Bf16WeightsMatchTransformersOnBf16RoundedWeights) {
  // --dtype bf16 keeps matmul weights in bf16 and computes in f32: the golden is transformers on
  // the same weights rounded to bf16 (f32 compute), so the f32 tolerance applies, widened for the
  // bf16 GEMM path's different summation order.
  auto g = golden("llama");
  models::LoadOptions options;
  options.dtype = DType::BF16;
  auto lm = models::load_causal_lm(model_dir("llama"), options);
  const auto actual = run_all_logits(*lm, g);
  std::vector<float> expected =
      real_positions(g.tensor("bf16_prefill_logits"), g.tensor("bf16_prefill_logits"), g.tensor("attention_mask"))
          .second;
  const auto steps = g.tensor("bf16_step_logits").to_float_vector();
  expected.insert(expected.end(), steps.begin(), steps.end());
  EXPECT_CLOSE(actual, expected, hfcpp::testing::kTolF32.scaled(10));
  // Against the f32 model, bf16 weights stay within a stated NMSE.
  const auto report = hfcpp::testing::compare_close(actual, golden_all_logits(g), hfcpp::testing::kTolBF16);
  std::printf("[ llama bf16 weights vs f32 logits ] %s\n", report.describe().c_str());
  EXPECT_LE(report.nmse, 1e-3) << report.describe();
}

template <class F>
Error expect_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an hfcpp::Error";
  return Error(ErrorCode::Internal, "none");
}

TEST(DecoderBadInput, MissingWeightIsNamed) {
  const std::string dir = copy_model("llama", "missing_weight");
  core::Json config = read_config(dir);
  config["num_hidden_layers"] = 3;  // the checkpoint has 2
  write_config(dir, config);
  Error e = expect_error([&] { models::load_causal_lm(dir); });
  EXPECT_EQ(e.code(), ErrorCode::Format);
  EXPECT_NE(std::string(e.what()).find("model.layers.2.self_attn.q_proj.weight' is missing"), std::string::npos)
      << e.what();
}

TEST(DecoderBadInput, MissingRequiredConfigKeyIsNamed) {
  const std::string dir = copy_model("gemma", "missing_key");
  core::Json config = read_config(dir);
  config.erase("intermediate_size");
  write_config(dir, config);
  Error e = expect_error([&] { models::load_causal_lm(dir); });
  EXPECT_EQ(e.code(), ErrorCode::Format);
  EXPECT_NE(std::string(e.what()).find("intermediate_size"), std::string::npos) << e.what();
}

TEST(DecoderBadInput, UnknownModelTypeListsSupportedOnes) {
  const std::string dir = copy_model("llama", "unknown_type");
  core::Json config = read_config(dir);
  config["model_type"] = "not-a-decoder";
  write_config(dir, config);
  Error e = expect_error([&] { models::load_causal_lm(dir); });
  EXPECT_EQ(e.code(), ErrorCode::Unsupported);
  for (const char* t : {"not-a-decoder", "llama", "gemma3_text", "gpt2", "phi3"})
    EXPECT_NE(std::string(e.what()).find(t), std::string::npos) << e.what();
}

TEST(DecoderBadInput, UnknownRopeScalingIsNamed) {
  const std::string dir = copy_model("phi3", "unknown_rope");
  core::Json config = read_config(dir);
  config["rope_scaling"] = {{"rope_type", "su-scaled"}, {"factor", 2.0}};
  write_config(dir, config);
  Error e = expect_error([&] { models::load_causal_lm(dir); });
  EXPECT_EQ(e.code(), ErrorCode::Unsupported);
  EXPECT_NE(std::string(e.what()).find("su-scaled"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("yarn, llama3, longrope"), std::string::npos) << e.what();
}

TEST(DecoderBadInput, PromptLongerThanStaticCache) {
  auto lm = models::load_causal_lm(model_dir("mistral"));
  auto cache = lm->make_cache({.kind = KvCacheKind::Static, .batch = 1, .max_length = 8});
  std::vector<int64_t> ids(9, 5);
  Error e = expect_error([&] { lm->forward({.input_ids = Tensor::from_data<int64_t>(ids, {1, 9})}, *cache); });
  EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(std::string(e.what()).find("static cache is full"), std::string::npos) << e.what();
  EXPECT_EQ(cache->length(), 0);  // nothing was appended
  // The cache still works for a prompt that fits, up to its length.
  std::vector<int64_t> fits(8, 5);
  lm->forward({.input_ids = Tensor::from_data<int64_t>(fits, {1, 8})}, *cache);
  EXPECT_EQ(cache->length(), 8);
  std::vector<int64_t> one{5};
  expect_error([&] { lm->forward({.input_ids = Tensor::from_data<int64_t>(one, {1, 1})}, *cache); });
}

TEST(DecoderBadInput, BadBatchesAreRefused) {
  auto lm = models::load_causal_lm(model_dir("gpt2"));
  auto cache = lm->make_cache({});
  std::vector<int64_t> ids{1, 2, 1000};
  Error e = expect_error([&] { lm->forward({.input_ids = Tensor::from_data<int64_t>(ids, {1, 3})}, *cache); });
  EXPECT_NE(std::string(e.what()).find("token id 1000"), std::string::npos) << e.what();
  std::vector<int64_t> ok{1, 2, 3};
  std::vector<int64_t> short_mask{1, 1};
  e = expect_error([&] {
    lm->forward({.input_ids = Tensor::from_data<int64_t>(ok, {1, 3}),
                 .attention_mask = Tensor::from_data<int64_t>(short_mask, {1, 2})},
                *cache);
  });
  EXPECT_NE(std::string(e.what()).find("attention_mask"), std::string::npos) << e.what();
  // GPT-2 has learned positions: beyond n_positions is an error, not garbage.
  std::vector<int64_t> long_ids(65, 3);
  e = expect_error([&] { lm->forward({.input_ids = Tensor::from_data<int64_t>(long_ids, {1, 65})}, *cache); });
  EXPECT_NE(std::string(e.what()).find("position 64"), std::string::npos) << e.what();
  // A cache of another model is refused.
  auto other = models::load_causal_lm(model_dir("llama"));
  auto foreign = other->make_cache({});
  e = expect_error([&] { lm->forward({.input_ids = Tensor::from_data<int64_t>(ok, {1, 3})}, *foreign); });
  EXPECT_NE(std::string(e.what()).find("KV cache"), std::string::npos) << e.what();
}

TEST(DecoderBadInput, EncoderLoaderPointsToCausalLm) {
  Error e = expect_error([&] { models::load_encoder(model_dir("llama")); });
  EXPECT_NE(std::string(e.what()).find("decoder-only"), std::string::npos) << e.what();
}

}  // namespace
