#include "generation/search/search.h"

#include "hfcpp/core/error.h"

namespace hfcpp::generation::search {

std::vector<float> model_step(const models::CausalLM& model, models::KvCache& cache, const StepInput& input,
                              int64_t chunk_tokens) {
  const int64_t rows = static_cast<int64_t>(input.new_tokens.size());
  const int64_t T = static_cast<int64_t>(input.new_tokens.front().size());
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(rows * T));
  for (const auto& r : input.new_tokens) ids.insert(ids.end(), r.begin(), r.end());
  models::CausalLMBatch batch;
  batch.input_ids = tensor::Tensor::from_data<int64_t>(ids, {rows, T});
  if (!input.mask.empty()) {
    const int64_t L = static_cast<int64_t>(input.mask.front().size());
    std::vector<int64_t> m;
    m.reserve(static_cast<size_t>(rows * L));
    for (const auto& r : input.mask) m.insert(m.end(), r.begin(), r.end());
    batch.attention_mask = tensor::Tensor::from_data<int64_t>(m, {rows, L});
  }
  batch.last_token_logits_only = true;
  const models::CausalLMOutput out = models::forward_chunked(model, batch, cache, chunk_tokens);
  const tensor::Tensor& logits = out.logits;
  HFCPP_CHECK(logits.dim() == 3 && logits.size(0) == rows, ErrorCode::Internal,
              "[generation] the model returned logits of shape {}: expected [{}, 1 or {}, vocab]",
              tensor::shape_to_string(logits.shape()), rows, T);
  const tensor::Tensor last = logits.select(1, logits.size(1) - 1).to(tensor::DType::F32).contiguous();
  const float* p = last.data<float>();
  return std::vector<float>(p, p + last.numel());
}

}  // namespace hfcpp::generation::search
