// generate() on the tiny random decoders (tests/models/tiny_decoders) gives exactly the tokens of
// transformers' generate(): greedy (16 new tokens) and beam search (3 beams, 2 returned, 8 new
// tokens) on a left-padded batch of three prompts (goldens: scripts/golden/make_tiny_decoders.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/models/causal_lm.h"
#include "tiny_decoder_golden.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

const char* const kModels[] = {"llama", "llama_linear", "llama_dynamic", "llama_yarn", "llama3", "mistral", "qwen2",
                               "qwen3", "gemma", "gemma2", "gemma3_text", "phi3", "gpt2"};

using hfcpp::testing::rows_of;
using Case = hfcpp::testing::TinyDecoderGolden;

std::optional<Case> load_case(const std::string& name) { return hfcpp::testing::load_tiny_decoder_golden(name); }

GenerateOptions options_from(const Case& c, const char* meta_key) {
  GenerateOptions o;
  o.config = GenerationConfig::from_model_folder(c.folder);
  const core::Json j = core::parse_json(c.golden.metadata().at(meta_key), "metadata");
  o.config.max_new_tokens = j["max_new_tokens"].get<int64_t>();
  o.config.pad_token_id = j["pad_token_id"].get<int64_t>();
  if (j.contains("num_beams")) {
    o.config.num_beams = j["num_beams"];
    o.config.num_return_sequences = j["num_return_sequences"];
    o.config.length_penalty = j["length_penalty"];
    o.config.early_stopping = j["early_stopping"].get<bool>() ? EarlyStopping::True : EarlyStopping::False;
  }
  return o;
}

class TinyDecoderGeneration : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(TinyDecoderGeneration, GreedyTokensEqualTransformers) {
  auto c = load_case(GetParam());
  if (!c) GTEST_SKIP() << "no tiny model or golden for " << GetParam();
  auto lm = models::load_causal_lm(c->folder);
  const auto out = generate(*lm, c->prompts, options_from(*c, "greedy"));
  EXPECT_EQ(out.sequences, rows_of(c->golden.tensor("greedy_sequences")));
}

TEST_P(TinyDecoderGeneration, BeamSearchEqualsTransformers) {
  auto c = load_case(GetParam());
  if (!c) GTEST_SKIP() << "no tiny model or golden for " << GetParam();
  auto lm = models::load_causal_lm(c->folder);
  const auto out = generate(*lm, c->prompts, options_from(*c, "beam"));
  EXPECT_EQ(out.sequences, rows_of(c->golden.tensor("beam_sequences")));
  const auto want = c->golden.tensor("beam_scores", tensor::DType::F32).to_float_vector();
  ASSERT_EQ(out.sequence_scores.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out.sequence_scores[i], want[i], 1e-4) << i;
}

INSTANTIATE_TEST_SUITE_P(Models, TinyDecoderGeneration, ::testing::ValuesIn(kModels));

// Settings that change the tokens (scripts/golden/make_generation.py): processors, EOS lists that
// end rows at different steps, beam early_stopping modes and length penalties.
class GenerationSettings : public ::testing::TestWithParam<const char*> {};

TEST_P(GenerationSettings, EveryCaseEqualsTransformers) {
  const std::string name = GetParam();
  const std::string folder = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
  const std::string path = std::string(HFCPP_SOURCE_DIR) + "/tests/golden/generation/generate_" + name + ".safetensors";
  if (!std::filesystem::exists(path) || !std::filesystem::exists(folder)) GTEST_SKIP() << "no golden for " << name;
  const auto golden = formats::SafetensorsFile::open(path);
  const auto ids = rows_of(golden.tensor("input_ids"));
  const auto mask = rows_of(golden.tensor("attention_mask"));
  std::vector<std::vector<int64_t>> prompts;
  for (size_t r = 0; r < ids.size(); ++r) {
    std::vector<int64_t> p;
    for (size_t j = 0; j < ids[r].size(); ++j)
      if (mask[r][j]) p.push_back(ids[r][j]);
    prompts.push_back(std::move(p));
  }
  auto lm = models::load_causal_lm(folder);
  const core::Json cases = core::parse_json(golden.metadata().at("cases"), "metadata");
  std::ifstream in(folder + "/generation_config.json");
  const core::Json base = core::Json::parse(in);
  for (auto it = cases.begin(); it != cases.end(); ++it) {
    SCOPED_TRACE(it.key());
    core::Json merged = base;
    merged.update(it.value());
    merged["pad_token_id"] = std::stoll(golden.metadata().at("pad_token_id"));
    GenerateOptions o;
    o.config = GenerationConfig::from_json(merged);
    const auto out = generate(*lm, prompts, o);
    EXPECT_EQ(out.sequences, rows_of(golden.tensor(it.key() + ".sequences")));
    if (golden.contains(it.key() + ".scores")) {
      const auto want = golden.tensor(it.key() + ".scores", tensor::DType::F32).to_float_vector();
      ASSERT_EQ(out.sequence_scores.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out.sequence_scores[i], want[i], 1e-4) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, GenerationSettings, ::testing::Values("llama", "gpt2"));
