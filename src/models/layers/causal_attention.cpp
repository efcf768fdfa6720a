#include "models/layers/causal_attention.h"

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/ops/attention.h"

namespace hfcpp::models::layers {

namespace {

Tensor derive_positions(const Tensor& mask, int64_t past, int64_t new_tokens) {
  const int64_t B = mask.size(0), L = mask.size(1);
  const Tensor m = mask.to(tensor::DType::I64).contiguous();
  const int64_t* pm = m.data<int64_t>();
  Tensor pos = Tensor::empty({B, new_tokens}, tensor::DType::I64);
  int64_t* pp = pos.mutable_data<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t count = 0;
    for (int64_t j = 0; j < L; ++j) {
      const bool real = pm[b * L + j] != 0;
      count += real;
      if (j >= past) pp[b * new_tokens + (j - past)] = real ? count - 1 : 1;
    }
  }
  return pos;
}

}  // namespace

DecoderStep begin_decoder_step(const CausalLMBatch& batch, KvCache& cache, const std::vector<KvLayerSpec>& layers,
                               int64_t vocab_size, const char* component, int64_t max_positions) {
  const Tensor& ids = batch.input_ids;
  HFCPP_CHECK(ids.defined() && ids.dim() == 2 && ids.size(1) >= 1, ErrorCode::InvalidArgument,
              "[{}] input_ids has shape {}: expected [batch, new tokens] with at least one token", component,
              ids.defined() ? tensor::shape_to_string(ids.shape()) : "(undefined)");
  HFCPP_CHECK(!tensor::dtype_info(ids.dtype()).is_float, ErrorCode::InvalidArgument,
              "[{}] input_ids has dtype {}: expected an integer dtype", component, tensor::dtype_name(ids.dtype()));
  DecoderStep step;
  step.cache = &as_layered_cache(cache, layers, component);
  step.batch = ids.size(0);
  step.new_tokens = ids.size(1);
  step.past = step.cache->length();
  step.input_ids = ids.to(tensor::DType::I64).contiguous();
  const int64_t* pid = step.input_ids.data<int64_t>();
  for (int64_t i = 0; i < step.input_ids.numel(); ++i)
    HFCPP_CHECK(pid[i] >= 0 && pid[i] < vocab_size, ErrorCode::InvalidArgument,
                "[{}] token id {} at position {} is out of range: expected 0..{}", component, pid[i], i,
                vocab_size - 1);
  const int64_t total = step.past + step.new_tokens;
  if (batch.attention_mask.defined()) {
    const Tensor& m = batch.attention_mask;
    HFCPP_CHECK(m.dim() == 2 && m.size(0) == step.batch && m.size(1) == total, ErrorCode::InvalidArgument,
                "[{}] attention_mask has shape {}: expected [{}, {}] (past {} + new {})", component,
                tensor::shape_to_string(m.shape()), step.batch, total, step.past, step.new_tokens);
    const Tensor mb = m.to(tensor::DType::Bool).contiguous();
    const bool* pm = mb.data<bool>();
    bool any_padding = false;
    for (int64_t i = 0; i < mb.numel() && !any_padding; ++i) any_padding = !pm[i];
    if (any_padding) step.key_padding = mb;
  }
  if (batch.position_ids.defined()) {
    const Tensor& p = batch.position_ids;
    HFCPP_CHECK(p.dim() == 2 && p.size(0) == step.batch && p.size(1) == step.new_tokens, ErrorCode::InvalidArgument,
                "[{}] position_ids has shape {}: expected [{}, {}]", component, tensor::shape_to_string(p.shape()),
                step.batch, step.new_tokens);
    step.positions = p.to(tensor::DType::I64).contiguous();
  } else if (batch.attention_mask.defined()) {
    step.positions = derive_positions(batch.attention_mask, step.past, step.new_tokens);
  } else {
    step.positions = Tensor::empty({step.batch, step.new_tokens}, tensor::DType::I64);
    int64_t* pp = step.positions.mutable_data<int64_t>();
    for (int64_t b = 0; b < step.batch; ++b)
      for (int64_t t = 0; t < step.new_tokens; ++t) pp[b * step.new_tokens + t] = step.past + t;
  }
  const int64_t* pp = step.positions.data<int64_t>();
  for (int64_t i = 0; i < step.positions.numel(); ++i)
    HFCPP_CHECK(pp[i] >= 0 && (max_positions <= 0 || pp[i] < max_positions), ErrorCode::InvalidArgument,
                "[{}] position {} is out of range: the model has {} positions", component, pp[i],
                max_positions > 0 ? fmt::format("{}", max_positions) : "unbounded");
  step.cache->begin_step(step.batch, step.new_tokens);
  return step;
}

void end_decoder_step(DecoderStep& step) { step.cache->end_step(step.new_tokens); }

Tensor causal_attention(const DecoderStep& step, int64_t layer, const Tensor& q, const Tensor& k, const Tensor& v,
                        const CausalAttentionParams& params) {
  const KvLayerView kv = step.cache->append(layer, k, v);
  ops::SdpaOptions o;
  o.scale = params.scale;
  o.causal = true;
  o.window = params.window;
  o.softcap = params.softcap;
  if (step.key_padding.defined()) o.key_padding_mask = step.key_padding.narrow(1, kv.first_position, kv.keys.size(2));
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  Tensor ctx = ops::scaled_dot_product_attention(q, kv.keys, kv.values, o);  // [B, H, T, D]
  return ctx.permute({0, 2, 1, 3}).reshape({B, T, H * D});
}

}  // namespace hfcpp::models::layers
