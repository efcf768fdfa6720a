// Greedy, sampling and beam search on the deterministic fake model: results checked against a
// direct recomputation from the fake's logits function (no cache), so cache handling, left
// padding and reorders are exercised.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "fake_lm.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/generation/logits_processor.h"
#include "hfcpp/generation/sampler.h"

using namespace hfcpp;
using namespace hfcpp::generation;
using fake::fake_logits;
using fake::FakeLM;

namespace {

// Greedy by definition: argmax of the fake's logits of the history, no cache involved.
std::vector<int64_t> reference_greedy(std::vector<int64_t> seq, int64_t n, int64_t vocab, int64_t eos = -1) {
  for (int64_t i = 0; i < n; ++i) {
    const auto l = fake_logits(seq, vocab);
    seq.push_back(std::max_element(l.begin(), l.end()) - l.begin());
    if (seq.back() == eos) break;
  }
  return seq;
}

GenerateOptions greedy(int64_t new_tokens) {
  GenerateOptions o;
  o.config.max_new_tokens = new_tokens;
  return o;
}

}  // namespace

TEST(Greedy, MatchesDirectArgmax) {
  FakeLM lm;
  const std::vector<int64_t> prompt{3, 1, 4, 1, 5};
  const auto out = generate(lm, {prompt}, greedy(10));
  ASSERT_EQ(out.sequences.size(), 1u);
  EXPECT_EQ(out.sequences[0], reference_greedy(prompt, 10, lm.vocab_size()));
  EXPECT_EQ(out.prompt_width, 5);
  EXPECT_EQ(lm.forward_calls, 10);  // prefill + 9 decode steps
}

TEST(Greedy, LeftPaddedBatchEqualsSeparateRuns) {
  FakeLM lm;
  const std::vector<std::vector<int64_t>> prompts{{3, 1, 4, 1, 5, 9}, {2, 6}, {5, 3, 5}};
  GenerateOptions o = greedy(7);
  o.config.pad_token_id = 0;
  const auto out = generate(lm, prompts, o);
  ASSERT_EQ(out.sequences.size(), 3u);
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<int64_t> want(6 - prompts[i].size(), 0);
    const auto ref = reference_greedy(prompts[i], 7, lm.vocab_size());
    want.insert(want.end(), ref.begin(), ref.end());
    EXPECT_EQ(out.sequences[i], want) << "row " << i;
  }
}

TEST(Greedy, EosStopsARowAndPadsIt) {
  FakeLM lm;
  const std::vector<int64_t> prompt{3, 1, 4};
  const auto free_run = reference_greedy(prompt, 12, lm.vocab_size());
  const int64_t eos = free_run[5];  // the third generated token
  GenerateOptions o = greedy(12);
  o.config.eos_token_ids = {eos};
  o.config.pad_token_id = 11;
  const auto out = generate(lm, {prompt, {7, 7, 7}}, o);
  const auto want0 = reference_greedy(prompt, 12, lm.vocab_size(), eos);
  ASSERT_LE(want0.size(), out.sequences[0].size());
  EXPECT_TRUE(std::equal(want0.begin(), want0.end(), out.sequences[0].begin()));
  for (size_t i = want0.size(); i < out.sequences[0].size(); ++i) EXPECT_EQ(out.sequences[0][i], 11);
}

TEST(Greedy, MinNewTokensDelaysEos) {
  FakeLM lm;
  const std::vector<int64_t> prompt{3, 1, 4};
  const int64_t eos = reference_greedy(prompt, 1, lm.vocab_size()).back();
  GenerateOptions o = greedy(5);
  o.config.eos_token_ids = {eos};
  EXPECT_EQ(generate(lm, {prompt}, o).sequences[0].size(), 4u);  // stops at once
  o.config.min_new_tokens = 3;
  const auto out = generate(lm, {prompt}, o);
  for (int i = 0; i < 3; ++i) EXPECT_NE(out.sequences[0][3 + i], eos);
}

TEST(Greedy, StepCallbackSeesEveryToken) {
  FakeLM lm;
  GenerateOptions o = greedy(6);
  std::vector<int64_t> seen;
  o.on_step = [&](const std::vector<int64_t>& t, const std::vector<bool>&) { seen.push_back(t[0]); };
  const auto out = generate(lm, {{1, 2}}, o);
  EXPECT_EQ(seen, std::vector<int64_t>(out.sequences[0].begin() + 2, out.sequences[0].end()));
}

TEST(Greedy, MaxLengthAndContextLimits) {
  FakeLM lm(12, 16);
  GenerateOptions o;
  o.config.max_length = 8;
  EXPECT_EQ(generate(lm, {{1, 2, 3}}, o).sequences[0].size(), 8u);
  try {
    generate(lm, {std::vector<int64_t>(20, 1)}, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(e.message().find("context"), std::string::npos) << e.message();
  }
  o.config.max_new_tokens = 0;
  EXPECT_THROW(generate(lm, {{1}}, o), Error);
  o.config.max_new_tokens = 3;
  EXPECT_THROW(generate(lm, {{1, 99}}, o), Error);  // id outside the vocabulary
}

TEST(Greedy, CacheReuseRunsOnlyNewTokens) {
  FakeLM lm;
  auto cache = lm.make_cache({.batch = 1});
  GenerateOptions o = greedy(4);
  const std::vector<int64_t> first{1, 2, 3, 4};
  const auto a = generate_with_cache(lm, first, *cache, o);
  EXPECT_EQ(a.prefill_tokens, 4);
  EXPECT_EQ(cache->length(), 7);  // prompt + 3 of the 4 new tokens
  std::vector<int64_t> second = a.sequences[0];
  second.insert(second.end(), {5, 6});
  const auto b = generate_with_cache(lm, second, *cache, o);
  EXPECT_EQ(b.prefill_tokens, 3);  // the last answer token + 2 new ones
  EXPECT_EQ(b.sequences[0], reference_greedy(second, 4, lm.vocab_size()));
}

TEST(Sampling, SeededRunsRepeat) {
  FakeLM lm;
  GenerateOptions o = greedy(12);
  o.config.do_sample = true;
  o.config.top_k = 0;
  o.seed = 42;
  const auto a = generate(lm, {{1, 2, 3}}, o);
  const auto b = generate(lm, {{1, 2, 3}}, o);
  EXPECT_EQ(a.sequences, b.sequences);
  o.seed = 43;
  const auto c = generate(lm, {{1, 2, 3}}, o);
  EXPECT_NE(a.sequences, c.sequences);
}

TEST(Sampling, DrawsFollowTheFilteredDistribution) {
  // top-k 4 then top-p 0.8 over fixed scores: the draws' frequencies match softmax of the
  // filtered scores, and filtered tokens never appear.
  std::vector<float> scores{2.0f, 1.5f, 0.2f, 1.0f, -1.0f, 0.9f, -3.0f, 0.0f};
  GenerationConfig c;
  c.do_sample = true;
  c.top_k = 4;
  c.top_p = 0.8;
  const auto chain = make_logits_processors(c, 1);
  chain.apply({{0}}, ScoresView{scores.data(), 1, 8});
  const std::vector<double> probs = softmax(scores);
  Rng rng(7);
  std::vector<int> counts(8);
  const int n = 40000;
  for (int i = 0; i < n; ++i) ++counts[sample_token(scores, rng)];
  for (int v = 0; v < 8; ++v) {
    if (probs[v] == 0) {
      EXPECT_EQ(counts[v], 0) << v;
    } else {
      const double sd = std::sqrt(probs[v] * (1 - probs[v]) / n);
      EXPECT_NEAR(counts[v] / double(n), probs[v], 5 * sd) << v;
    }
  }
  EXPECT_EQ(std::count_if(probs.begin(), probs.end(), [](double p) { return p > 0; }), 3);
}

TEST(BeamSearch, ScoresAreLengthPenalisedLogProbsInOrder) {
  FakeLM lm;
  GenerateOptions o = greedy(6);
  o.config.num_beams = 4;
  o.config.num_return_sequences = 3;
  o.config.length_penalty = 1.0;
  const std::vector<int64_t> prompt{2, 7, 1};
  const auto out = generate(lm, {prompt}, o);
  ASSERT_EQ(out.sequences.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const auto& seq = out.sequences[i];
    ASSERT_EQ(seq.size(), 9u);
    double logp = 0;
    std::vector<int64_t> hist(prompt);
    for (size_t t = 3; t < seq.size(); ++t) {
      std::vector<float> l = fake_logits(hist, lm.vocab_size());
      log_softmax_inplace(l);
      logp += l[seq[t]];
      hist.push_back(seq[t]);
    }
    EXPECT_NEAR(out.sequence_scores[i], logp / 6.0, 1e-4) << i;
    if (i > 0) EXPECT_GE(out.sequence_scores[i - 1], out.sequence_scores[i]);
  }
  // Beam search finds at least as likely a sequence as greedy.
  const auto g = generate(lm, {prompt}, greedy(6));
  double greedy_logp = 0;
  std::vector<int64_t> hist(prompt);
  for (size_t t = 3; t < g.sequences[0].size(); ++t) {
    std::vector<float> l = fake_logits(hist, lm.vocab_size());
    log_softmax_inplace(l);
    greedy_logp += l[g.sequences[0][t]];
    hist.push_back(g.sequences[0][t]);
  }
  EXPECT_GE(out.sequence_scores[0] + 1e-5, greedy_logp / 6.0);
}

TEST(BeamSearch, BatchedPromptsMatchSeparateRuns) {
  FakeLM lm;
  GenerateOptions o = greedy(5);
  o.config.num_beams = 3;
  o.config.num_return_sequences = 2;
  o.config.pad_token_id = 0;
  o.config.eos_token_ids = {9};
  const std::vector<std::vector<int64_t>> prompts{{4, 5, 6, 7}, {3, 2}};
  const auto both = generate(lm, prompts, o);
  ASSERT_EQ(both.sequences.size(), 4u);
  for (size_t p = 0; p < 2; ++p) {
    const auto one = generate(lm, {prompts[p]}, o);
    for (size_t j = 0; j < 2; ++j) {
      // Strip the left padding of the batched row and the right fill of either run.
      std::vector<int64_t> a(both.sequences[p * 2 + j].begin() + (4 - prompts[p].size()), both.sequences[p * 2 + j].end());
      std::vector<int64_t> b = one.sequences[j];
      const size_t n = std::min(a.size(), b.size());
      a.resize(n);
      b.resize(n);
      EXPECT_EQ(a, b) << "prompt " << p << " beam " << j;
      EXPECT_FLOAT_EQ(both.sequence_scores[p * 2 + j], one.sequence_scores[j]);
    }
  }
}

TEST(BeamSearch, EarlyStoppingModesAllFinish) {
  FakeLM lm;
  for (EarlyStopping mode : {EarlyStopping::True, EarlyStopping::False, EarlyStopping::Never}) {
    GenerateOptions o = greedy(8);
    o.config.num_beams = 3;
    o.config.early_stopping = mode;
    o.config.eos_token_ids = {reference_greedy({1, 2}, 2, lm.vocab_size()).back()};
    const auto out = generate(lm, {{1, 2}}, o);
    ASSERT_EQ(out.sequences.size(), 1u);
    EXPECT_LE(out.sequences[0].size(), 10u);
    EXPECT_GT(out.sequence_scores[0], -1e8);
  }
}
