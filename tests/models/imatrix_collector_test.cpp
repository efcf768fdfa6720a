// The Linear-input hook and the imatrix collector on the tiny Llama (tests/models/tiny_decoders):
// which weights report, in which order, with which inputs; llama-imatrix's selection (blk.*, and
// output.weight only with process_output); the scope restores the previous observer. Values on
// a real model against transformers: tests/python/test_imatrix.py.
#include "hfcpp/models/imatrix_collector.h"

#include <gtest/gtest.h>

#include <map>

#include "hfcpp/models/causal_lm.h"
#include "models/gguf_source.h"

using namespace hfcpp;
using tensor::Tensor;

namespace {

const std::string kTinyLlama = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/llama";

struct Recorder final : models::LinearObserver {
  std::vector<std::pair<std::string, tensor::Shape>> calls;
  void on_linear_input(std::string_view weight, const Tensor& x) override { calls.emplace_back(weight, x.shape()); }
};

void run_tiny(const models::CausalLM& lm, int64_t tokens) {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < tokens; ++i) ids.push_back((i * 7 + 3) % 96);
  auto cache = lm.make_cache({.batch = 1});
  lm.forward({.input_ids = Tensor::from_data<int64_t>(ids, {1, tokens})}, *cache);
}

// HF -> GGUF names of the tiny Llama, through the product's GGUF -> HF table.
models::GgufNameMap tiny_names() {
  models::GgufNameMap names;
  for (int layer = 0; layer < 2; ++layer)
    for (const char* stem : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"}) {
      const std::string g = fmt::format("blk.{}.{}.weight", layer, stem);
      names.emplace(*models::hf_name_of_gguf_tensor(g), g);
    }
  names.emplace(*models::hf_name_of_gguf_tensor("output.weight"), "output.weight");
  return names;
}

TEST(LinearObserver, SeesEveryLinearInputInOrderAndOnlyInScope) {
  auto lm = models::load_causal_lm(kTinyLlama);
  Recorder rec;
  run_tiny(*lm, 5);
  EXPECT_TRUE(rec.calls.empty());
  {
    models::ScopedLinearObserver scope(rec);
    EXPECT_EQ(models::current_linear_observer(), &rec);
    run_tiny(*lm, 5);
  }
  EXPECT_EQ(models::current_linear_observer(), nullptr);
  ASSERT_EQ(rec.calls.size(), 2u * 7 + 1);
  const std::vector<std::string> layer0 = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  for (size_t i = 0; i < layer0.size(); ++i) {
    const std::string prefix = i < 4 ? "model.layers.0.self_attn." : "model.layers.0.mlp.";
    EXPECT_EQ(rec.calls[i].first, prefix + layer0[i] + ".weight");
    EXPECT_EQ(rec.calls[i].second.back(), 64);  // hidden and intermediate sizes are both 64
    EXPECT_EQ(tensor::shape_numel(rec.calls[i].second) / rec.calls[i].second.back(), 5);
  }
  EXPECT_EQ(rec.calls.back().first, "lm_head.weight");
}

TEST(ImatrixCollector, CollectsBlockWeightsLikeLlamaImatrix) {
  auto lm = models::load_causal_lm(kTinyLlama);
  for (bool process_output : {false, true}) {
    formats::ImatrixStats stats(8);
    models::ImatrixCollector collector(stats, tiny_names(), process_output);
    {
      models::ScopedLinearObserver scope(collector);
      run_tiny(*lm, 8);
      run_tiny(*lm, 8);
    }
    EXPECT_EQ(stats.entries().size(), process_output ? 15u : 14u);
    EXPECT_EQ(stats.entries().count("output.weight"), process_output ? 1u : 0u);
    EXPECT_EQ(stats.chunk_count(), 2);
    for (const auto& [name, e] : stats.entries()) {
      EXPECT_EQ(e.counts, std::vector<int64_t>{16}) << name;
      EXPECT_EQ(e.sums.size(), 64u) << name;
      for (float s : e.sums) EXPECT_GT(s, 0.0f) << name;
    }
    // q, k and v read the same normed input; so do gate and up.
    const auto& e = stats.entries();
    EXPECT_EQ(e.at("blk.1.attn_q.weight").sums, e.at("blk.1.attn_k.weight").sums);
    EXPECT_EQ(e.at("blk.1.attn_q.weight").sums, e.at("blk.1.attn_v.weight").sums);
    EXPECT_EQ(e.at("blk.0.ffn_gate.weight").sums, e.at("blk.0.ffn_up.weight").sums);
    EXPECT_NE(e.at("blk.0.ffn_up.weight").sums, e.at("blk.0.ffn_down.weight").sums);
    EXPECT_EQ(collector.calls(), process_output ? 30 : 28);
  }
}

}  // namespace
