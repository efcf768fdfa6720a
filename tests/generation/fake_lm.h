// A deterministic fake CausalLM for generation tests: each row's logits are a fixed function of
// the real tokens that row has seen (kept in a fake KV cache), so search, cache reorder/crop and
// left padding can be checked without a real model.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/models/causal_lm.h"

namespace hfcpp::generation::fake {

class FakeKvCache final : public models::KvCache {
 public:
  explicit FakeKvCache(int64_t batch) : rows_(static_cast<size_t>(batch)) {}
  int64_t length() const override { return length_; }
  int64_t batch() const override { return static_cast<int64_t>(rows_.size()); }
  void reorder(const std::vector<int64_t>& indices) override {
    std::vector<std::vector<int64_t>> next;
    for (int64_t i : indices) next.push_back(rows_.at(static_cast<size_t>(i)));
    rows_ = std::move(next);
    ++reorders;
  }
  void crop(int64_t length) override {
    for (auto& r : rows_) r.resize(static_cast<size_t>(std::min<int64_t>(length, static_cast<int64_t>(r.size()))));
    length_ = length;
  }
  void reset() override {
    for (auto& r : rows_) r.clear();
    length_ = 0;
  }
  // Real tokens only (single-row chat tests never pad, so position == index).
  std::vector<std::vector<int64_t>> rows_;
  int64_t length_ = 0;
  int reorders = 0;
};

// logits[v] = 3 * sin(hash(history) + 1.7 v): varied, deterministic, tie-free.
inline std::vector<float> fake_logits(const std::vector<int64_t>& history, int64_t vocab) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t t : history) h = (h ^ static_cast<uint64_t>(t + 1)) * 1099511628211ull;
  const double phase = static_cast<double>(h % 100000) / 997.0;
  std::vector<float> out(static_cast<size_t>(vocab));
  for (int64_t v = 0; v < vocab; ++v) out[v] = static_cast<float>(3.0 * std::sin(phase + 1.7 * v + 0.01 * v * v));
  return out;
}

class FakeLM final : public models::CausalLM {
 public:
  explicit FakeLM(int64_t vocab = 12, int64_t max_positions = 256) : vocab_(vocab), max_positions_(max_positions) {}
  models::CausalLMOutput forward(const models::CausalLMBatch& batch, models::KvCache& cache) const override {
    auto& c = dynamic_cast<FakeKvCache&>(cache);
    const int64_t B = batch.input_ids.size(0), T = batch.input_ids.size(1);
    HFCPP_CHECK(B == c.batch(), ErrorCode::InvalidArgument, "fake: batch {} vs cache {}", B, c.batch());
    const tensor::Tensor ids = batch.input_ids.contiguous();
    const int64_t past = c.length_;
    std::vector<float> logits;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < T; ++t) {
        const bool real = !batch.attention_mask.defined() || batch.attention_mask.item({b, past + t}) != 0;
        if (real) c.rows_[b].push_back(ids.data<int64_t>()[b * T + t]);
      }
      const auto row = fake_logits(c.rows_[b], vocab_);
      logits.insert(logits.end(), row.begin(), row.end());
    }
    c.length_ += T;
    ++forward_calls;
    tokens_run += B * T;
    models::CausalLMOutput out;
    out.logits = tensor::Tensor::from_vector(logits, {B, 1, vocab_});
    return out;
  }
  std::unique_ptr<models::KvCache> make_cache(const models::KvCacheOptions& options) const override {
    return std::make_unique<FakeKvCache>(options.batch);
  }
  int64_t vocab_size() const override { return vocab_; }
  int64_t max_positions() const override { return max_positions_; }

  mutable int forward_calls = 0;
  mutable int64_t tokens_run = 0;

 private:
  int64_t vocab_, max_positions_;
};

}  // namespace hfcpp::generation::fake
