// Each logits processor against transformers' class on the same seeded scores
// (scripts/golden/make_logits_processors.py): equal values, -inf exactly where transformers has it.
#include <gtest/gtest.h>

#include <cmath>

#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/generation/logits_processor.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

struct Golden {
  formats::SafetensorsFile file =
      formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) + "/tests/golden/generation/logits_processors.safetensors");
  std::vector<float> scores = file.tensor("scores", tensor::DType::F32).to_float_vector();
  TokenRows ids;
  int64_t rows = 0, vocab = 0;
  Golden() {
    const auto t = file.tensor("scores");
    rows = t.size(0);
    vocab = t.size(1);
    const auto i = file.tensor("input_ids", tensor::DType::I64).contiguous();
    for (int64_t r = 0; r < i.size(0); ++r)
      ids.emplace_back(i.data<int64_t>() + r * i.size(1), i.data<int64_t>() + (r + 1) * i.size(1));
  }
  std::string meta(const std::string& key) const { return file.metadata().at(key); }
};

const Golden& golden() {
  static const Golden g;
  return g;
}

std::unique_ptr<LogitsProcessor> make(const std::string& cls, const core::Json& a) {
  const std::vector<int64_t> eos = a.contains("eos_token_id") ? a["eos_token_id"].get<std::vector<int64_t>>()
                                                               : std::vector<int64_t>{};
  const int64_t keep = a.value("min_tokens_to_keep", 1);
  if (cls == "RepetitionPenaltyLogitsProcessor") return std::make_unique<RepetitionPenaltyProcessor>(a["penalty"]);
  if (cls == "NoRepeatNGramLogitsProcessor") return std::make_unique<NoRepeatNGramProcessor>(a["ngram_size"]);
  if (cls == "NoBadWordsLogitsProcessor")
    return std::make_unique<NoBadWordsProcessor>(a["bad_words_ids"].get<std::vector<std::vector<int64_t>>>(), eos);
  if (cls == "MinLengthLogitsProcessor") return std::make_unique<MinLengthProcessor>(a["min_length"], eos);
  if (cls == "MinNewTokensLengthLogitsProcessor")
    return std::make_unique<MinNewTokensProcessor>(a["prompt_length_to_skip"], a["min_new_tokens"], eos);
  if (cls == "TemperatureLogitsWarper") return std::make_unique<TemperatureWarper>(a["temperature"]);
  if (cls == "TopKLogitsWarper") return std::make_unique<TopKWarper>(a["top_k"], keep);
  if (cls == "TopPLogitsWarper") return std::make_unique<TopPWarper>(a["top_p"], keep);
  if (cls == "MinPLogitsWarper") return std::make_unique<MinPWarper>(a["min_p"], keep);
  if (cls == "TypicalLogitsWarper") return std::make_unique<TypicalWarper>(a["mass"], keep);
  ADD_FAILURE() << "unknown class " << cls;
  return nullptr;
}

void expect_same(const std::vector<float>& got, const std::vector<float>& want, const std::string& name) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 5; ++i) {
    const bool same = (std::isinf(want[i]) && got[i] == want[i]) || got[i] == want[i];
    if (!same) {
      ++bad;
      ADD_FAILURE() << name << " index " << i << ": got " << got[i] << ", transformers " << want[i];
    }
  }
}

}  // namespace

TEST(LogitsProcessors, MatchTransformersClassByClass) {
  const Golden& g = golden();
  const core::Json cases = core::parse_json(g.meta("cases"), "metadata");
  ASSERT_GE(cases.size(), 19u);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    auto p = make(c["class"], c["args"]);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name(), c["class"].get<std::string>());
    std::vector<float> scores = g.scores;
    p->apply(g.ids, ScoresView{scores.data(), g.rows, g.vocab});
    expect_same(scores, g.file.tensor(name, tensor::DType::F32).to_float_vector(), name);
  }
}

TEST(LogitsProcessors, ChainMatchesGenerateOrder) {
  const Golden& g = golden();
  const GenerationConfig config = GenerationConfig::from_json(core::parse_json(g.meta("chain_config"), "metadata"));
  const LogitsProcessorList chain = make_logits_processors(config, std::stoll(g.meta("chain_prompt_length")));
  EXPECT_EQ(core::Json(chain.names()), core::parse_json(g.meta("chain_classes"), "metadata"));
  std::vector<float> scores = g.scores;
  chain.apply(g.ids, ScoresView{scores.data(), g.rows, g.vocab});
  expect_same(scores, g.file.tensor("chain", tensor::DType::F32).to_float_vector(), "chain");
}

TEST(LogitsProcessors, GreedyChainHasNoWarpers) {
  GenerationConfig c;
  c.temperature = 0.5;
  c.top_p = 0.5;
  EXPECT_TRUE(make_logits_processors(c, 4).empty());
}

TEST(LogitsProcessors, BadWordOutsideVocabularyIsAnError) {
  NoBadWordsProcessor p({{100}}, {});
  std::vector<float> s(8, 0.f);
  EXPECT_THROW(p.apply({{1, 2}}, ScoresView{s.data(), 1, 8}), Error);
}
