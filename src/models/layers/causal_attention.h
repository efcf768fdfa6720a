// What every decoder-only model does around its layers, whatever its blocks: validate the batch,
// derive position ids the way generate() does, and run causal attention through the caller's
// KV cache (append this step's keys/values, attend over what the cache holds, with the
// attention mask sliced to the positions the cache kept).
#pragma once

#include <vector>

#include "hfcpp/models/causal_lm.h"
#include "models/kv_cache/layered_cache.h"

namespace hfcpp::models::layers {

// One forward call: the new tokens, their positions and the mask over past + new positions.
struct DecoderStep {
  int64_t batch = 0, new_tokens = 0, past = 0;
  Tensor input_ids;    // [B, T] I64, contiguous
  Tensor positions;    // [B, T] I64
  Tensor key_padding;  // [B, past + T] Bool (true = real token), undefined when nothing is padded
  LayeredKvCache* cache = nullptr;
};

// Validates the batch against the cache and the model (ids < vocab), derives positions
// (cumsum(mask) - 1, padding at 1; or past + arange(T) without a mask) and opens the cache step.
// max_positions > 0 refuses positions beyond learned position embeddings.
DecoderStep begin_decoder_step(const CausalLMBatch& batch, KvCache& cache, const std::vector<KvLayerSpec>& layers,
                               int64_t vocab_size, const char* component, int64_t max_positions = 0);
void end_decoder_step(DecoderStep& step);

struct CausalAttentionParams {
  float scale;           // query scaling (1/sqrt(head_dim) unless the model says otherwise)
  int64_t window = 0;    // sliding window (0: full)
  float softcap = 0.0f;  // attention logit soft-capping (Gemma 2)
};

// q [B, H, T, D], k/v [B, Hkv, T, D] of this step: appended to `layer`'s cache, attended with the
// causal (+ window) mask. Returns [B, T, H * D].
Tensor causal_attention(const DecoderStep& step, int64_t layer, const Tensor& q, const Tensor& k, const Tensor& v,
                        const CausalAttentionParams& params);

}  // namespace hfcpp::models::layers
