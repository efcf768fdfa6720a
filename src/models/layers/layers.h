// Building blocks shared by architectures (never copied into a model file): Linear, LayerNorm,
// activations by config name, and multi-head self-attention over [B, L, H] activations.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "hfcpp/models/weights.h"
#include "hfcpp/tensor/ops/activation.h"
#include "hfcpp/tensor/ops/attention.h"

namespace hfcpp::models::layers {

struct Linear {
  Tensor weight;  // [out, in], kept in the weight dtype (borrowed from the mmap when possible)
  Tensor bias;    // [out] f32, or undefined
  // Instead of weight: a GGUF block-quantized matrix multiplied by quant::linear (activations
  // quantized per block), with llama.cpp's rotary row order undone on the outputs.
  QuantizedWeight quantized;
  std::string name;  // the weight's checkpoint name, for LinearObserver (hfcpp/models/linear_observer.h)
  static Linear load(const WeightSource& w, std::string_view name, int64_t in, int64_t out,
                     bool with_bias = true);
  Tensor operator()(const Tensor& x) const;
};

// Linears that read the same x (q/k/v, gate/up): the outputs of each (*linear)(x), the same values.
// When all are block-quantized they run as one quant::linear_group_f32, when all are unquantized
// as one ops::linear_group (one pool dispatch per decode step instead of one each).
std::vector<Tensor> linear_group(std::span<const Linear* const> linears, const Tensor& x);

// Token embeddings [vocab, dim]: a table in the weight dtype, or a GGUF block-quantized one of
// which only the looked-up rows are dequantized.
struct Embedding {
  Tensor weight;
  quant::QuantizedTensor quantized;
  static Embedding load(const WeightSource& w, std::string_view name, int64_t vocab, int64_t dim);
  Tensor operator()(const Tensor& ids) const;  // [ids..., dim] f32
  Linear as_linear() const;                    // the tied LM head (shares the table)
};

struct LayerNorm {
  Tensor weight, bias;  // [n] f32
  float eps = 1e-12f;
  static LayerNorm load(const WeightSource& w, std::string_view name, int64_t n, float eps);
  Tensor operator()(const Tensor& x) const;
};

// RMSNorm over the last dimension; unit_offset: Gemma's (1 + weight) scaling.
struct RmsNorm {
  Tensor weight;  // [n] f32
  float eps = 1e-6f;
  bool unit_offset = false;
  static RmsNorm load(const WeightSource& w, std::string_view name, int64_t n, float eps, bool unit_offset = false);
  Tensor operator()(const Tensor& x) const;
};

// GPT-2's Conv1D: a linear layer whose weight is stored [in, out] (transposed); used in place.
// transformers' Conv1D (GPT-2): the checkpoint stores the matrix [in, out]; it is multiplied as a
// Linear through the transposed view (no copy). A GGUF stores it [out, in], possibly block-quantized.
struct Conv1D {
  Linear linear;
  static Conv1D load(const WeightSource& w, std::string_view name, int64_t in, int64_t out);
  Tensor operator()(const Tensor& x) const;
};

enum class Activation { GeluErf, GeluTanh, QuickGelu, Relu, Silu, Tanh };
// transformers' ACT2FN names: "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", ...
Activation parse_activation(const std::string& name, const std::string& source);
Tensor activate(const Tensor& x, Activation act);

// Bidirectional multi-head self-attention on [B, L, H]: q/k/v projections, SDPA with the key
// padding mask, heads merged back to [B, L, H] (before the output projection).
struct SelfAttentionParams {
  int64_t n_heads;
  int64_t head_dim;
};
Tensor self_attention(const Tensor& x, const Linear& q, const Linear& k, const Linear& v,
                      const Tensor& key_padding_mask, const SelfAttentionParams& params);

// [B, L] I64 position ids 0..L-1 for every row.
Tensor arange_positions(int64_t batch, int64_t length, int64_t offset = 0);

}  // namespace hfcpp::models::layers
