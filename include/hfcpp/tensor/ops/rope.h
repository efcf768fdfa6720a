// Rotary position embeddings. x is [B, H, L, D] (any strides); the first rotary_dim channels of
// each head are rotated (rotary_dim = 2 * cos.size(-1)), the rest pass through.
#pragma once

#include <utility>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

enum class RopeLayout {
  Interleaved,  // GPT-J / Meta original: rotate pairs (2i, 2i+1)
  HalfSplit,    // GPT-NeoX / HF Llama: rotate pairs (i, i + rotary_dim/2)
};

// cos/sin tables of shape [L, rotary_dim/2] (or [B, L, rotary_dim/2] when positions is [B, L])
// for positions (I32/I64) with inv_freq[i] = 1 / theta^(2i / rotary_dim), computed in f32 as
// transformers' default rope does.
std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& positions, int64_t rotary_dim, float theta);
// Positions start, start+1, ..., start+length-1.
std::pair<Tensor, Tensor> rope_cos_sin(int64_t start, int64_t length, int64_t rotary_dim, float theta);

// cos/sin: F32 [L, R/2] or [B, L, R/2]. Output has x's dtype and shape, contiguous.
Tensor apply_rope(const Tensor& x, const Tensor& cos, const Tensor& sin, RopeLayout layout);
// Convenience: builds the tables from position ids ([L] or [B, L]) and theta.
Tensor apply_rope(const Tensor& x, const Tensor& positions, float theta, RopeLayout layout,
                  int64_t rotary_dim = -1);
// Plain-op composition (slices, mul, add, concat) used as the test oracle.
Tensor apply_rope_reference(const Tensor& x, const Tensor& cos, const Tensor& sin, RopeLayout layout);

}  // namespace hfcpp::ops
