// Scaled dot-product attention. q [B, H, Lq, D], k and v [B, Hkv, Lk, D] (GQA: H a multiple of
// Hkv; query head h reads kv head h / (H / Hkv)). Output [B, H, Lq, D] in q's dtype. k and v
// share q's dtype, or are F16 with F32 q (an f16 KV cache, read without a conversion pass).
//   scores = q k^T * scale; softcap: scores = cap * tanh(scores / cap) (Gemma 2); + mask;
//   causal / sliding window / key padding exclude keys; softmax over keys; @ v.
// Rows whose keys are all excluded give zeros (torch would give NaN).
#pragma once

#include <optional>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

struct SdpaOptions {
  std::optional<float> scale;  // default 1/sqrt(D)
  // Broadcastable to [B, H, Lq, Lk]: F32/F16/BF16 is added to the scores; Bool: true = attend.
  Tensor mask;
  bool causal = false;
  // Absolute position of query 0 for causal and window masks: query i sits at past + i and sees
  // keys j <= past + i. Default (-1): Lk - Lq, i.e. the queries are the last Lq positions (KV-cache
  // decoding). torch's is_causal=True is past = 0.
  int64_t past = -1;
  // Sliding window (Mistral, Gemma 2): a query at position p sees keys j with p - j < window.
  int64_t window = 0;  // 0: no window
  // [B, Lk], nonzero = real token (transformers' attention_mask convention).
  Tensor key_padding_mask;
  float softcap = 0.0f;  // 0: off
};

// Fused: blocked online softmax, threaded over batch * heads * query blocks.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const SdpaOptions& options = {});
// Scalar composition (scores, masks, softmax, weighted sum), the oracle for the fused path.
Tensor scaled_dot_product_attention_reference(const Tensor& q, const Tensor& k, const Tensor& v,
                                              const SdpaOptions& options = {});

}  // namespace hfcpp::ops
