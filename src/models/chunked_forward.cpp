// Chunked prefill: one prompt as several forward passes over consecutive slices of its positions.
// The cache carries the keys and values from one chunk to the next, the mask is cut to the
// columns seen so far (so derived positions and left padding come out as in one pass), and
// explicit position ids are sliced like the tokens.
#include <algorithm>
#include <utility>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/models/causal_lm.h"
#include "hfcpp/tensor/ops/concat.h"

namespace hfcpp::models {

CausalLMOutput forward_chunked(const CausalLM& model, const CausalLMBatch& batch, KvCache& cache, int64_t max_tokens) {
  HFCPP_CHECK(max_tokens >= 0, ErrorCode::InvalidArgument,
              "[models] prefill chunk is {} tokens: expected >= 0 (0: the whole prompt in one pass)", max_tokens);
  const Tensor& ids = batch.input_ids;
  // Malformed input goes to forward() whole, which names what is wrong.
  if (max_tokens == 0 || !ids.defined() || ids.dim() != 2 || ids.size(0) < 1) return model.forward(batch, cache);
  const int64_t rows = ids.size(0), T = ids.size(1);
  if (rows * T <= max_tokens || T <= 1) return model.forward(batch, cache);
  const int64_t past = cache.length();
  if (batch.attention_mask.defined()) {
    const Tensor& m = batch.attention_mask;
    HFCPP_CHECK(m.dim() == 2 && m.size(0) == rows && m.size(1) == past + T, ErrorCode::InvalidArgument,
                "[models] attention_mask has shape {}: expected [{}, {}] (past {} + new {})",
                tensor::shape_to_string(m.shape()), rows, past + T, past, T);
  }
  if (batch.position_ids.defined()) {
    const Tensor& p = batch.position_ids;
    HFCPP_CHECK(p.dim() == 2 && p.size(0) == rows && p.size(1) == T, ErrorCode::InvalidArgument,
                "[models] position_ids has shape {}: expected [{}, {}]", tensor::shape_to_string(p.shape()), rows, T);
  }

  const int64_t chunk = std::max<int64_t>(1, max_tokens / rows);
  // The whole prompt's room at once, not a doubling (and a hole in the heap) every few chunks.
  if (cache.batch() == rows) cache.reserve(past + T);
  std::vector<Tensor> logits;
  std::vector<std::vector<Tensor>> hidden;  // [state][chunk]
  try {
    for (int64_t start = 0; start < T; start += chunk) {
      const int64_t len = std::min(chunk, T - start);
      const bool last = start + len == T;
      CausalLMBatch part;
      part.input_ids = ids.narrow(1, start, len);
      if (batch.attention_mask.defined()) part.attention_mask = batch.attention_mask.narrow(1, 0, past + start + len);
      if (batch.position_ids.defined()) part.position_ids = batch.position_ids.narrow(1, start, len);
      part.last_token_logits_only = batch.last_token_logits_only;
      part.output_hidden_states = batch.output_hidden_states;
      CausalLMOutput out = model.forward(part, cache);
      if (last || !batch.last_token_logits_only) logits.push_back(std::move(out.logits));
      if (batch.output_hidden_states) {
        hidden.resize(out.hidden_states.size());
        for (size_t i = 0; i < out.hidden_states.size(); ++i) hidden[i].push_back(std::move(out.hidden_states[i]));
      }
    }
  } catch (...) {
    // Chunks that went through are in the cache; forward() already dropped the failed one's.
    try {
      cache.crop(past);
    } catch (const Error&) {
      // A sliding-window cache may have dropped positions needed to go back; the first error says more.
    }
    throw;
  }
  CausalLMOutput out;
  out.logits = logits.size() == 1 ? std::move(logits.front()) : ops::concat(logits, 1);
  for (auto& parts : hidden) out.hidden_states.push_back(parts.size() == 1 ? std::move(parts.front()) : ops::concat(parts, 1));
  return out;
}

}  // namespace hfcpp::models
