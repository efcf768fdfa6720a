#include "models/layers/layers.h"

#include <algorithm>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/models/linear_observer.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "hfcpp/tensor/ops/matmul.h"
#include "hfcpp/tensor/ops/norm.h"

namespace hfcpp::models::layers {

namespace {

// quant::linear's output [m, n] with n = heads * head_dim in llama.cpp's interleaved rotary order
// (gguf row h*hd + 2i + j holds HF row h*hd + j*hd/2 + i): back to HF order in place, plus bias.
void uninterleave_rows(float* y, int64_t m, int64_t n, int64_t heads, const Tensor& bias) {
  const int64_t head_dim = n / heads, half = head_dim / 2;
  std::vector<float> b = bias.defined() ? bias.to_float_vector() : std::vector<float>(n, 0.0f);
  std::vector<float> row(static_cast<size_t>(n));
  for (int64_t t = 0; t < m; ++t) {
    float* yt = y + t * n;
    std::copy(yt, yt + n, row.begin());
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < half; ++i)
        for (int64_t j = 0; j < 2; ++j) {
          const int64_t hf = h * head_dim + j * half + i;
          yt[hf] = row[h * head_dim + 2 * i + j] + b[hf];
        }
  }
}

}  // namespace

Linear Linear::load(const WeightSource& w, std::string_view name, int64_t in, int64_t out, bool with_bias) {
  Linear l;
  WeightSource s = w.sub(name);
  l.name = s.prefix() + "weight";
  if (auto q = s.get_quantized("weight", {out, in})) l.quantized = std::move(*q);
  else l.weight = s.get("weight", {out, in}, WeightKind::Matmul);
  if (with_bias) l.bias = s.get("bias", {out}, WeightKind::Param);
  return l;
}

Tensor Linear::operator()(const Tensor& x) const {
  if (LinearObserver* observer = current_linear_observer()) [[unlikely]] observer->on_linear_input(name, x);
  if (!quantized.tensor.defined()) return ops::linear(x, weight, bias.defined() ? &bias : nullptr);
  if (quantized.interleaved_heads == 0) return quant::linear(x, quantized.tensor, bias.defined() ? &bias : nullptr);
  Tensor y = quant::linear(x, quantized.tensor);
  const int64_t n = quantized.tensor.rows();
  uninterleave_rows(y.mutable_data<float>(), y.numel() / std::max<int64_t>(n, 1), n, quantized.interleaved_heads,
                    bias);
  return y;
}

std::vector<Tensor> linear_group(std::span<const Linear* const> linears, const Tensor& x) {
  std::vector<Tensor> out;
  bool fusable = linears.size() > 1;
  for (const Linear* l : linears) fusable = fusable && l->quantized.tensor.defined() && l->quantized.tensor.cols() == x.size(-1);
  if (!fusable) {
    bool dense = linears.size() > 1;
    for (const Linear* l : linears) dense = dense && !l->quantized.tensor.defined() && l->weight.defined();
    if (!dense) {
      for (const Linear* l : linears) out.push_back((*l)(x));
      return out;
    }
    // Unquantized weights: one ops::linear_group (one pool dispatch in decode).
    std::vector<const Tensor*> weights, biases;
    for (const Linear* l : linears) {
      if (LinearObserver* observer = current_linear_observer()) [[unlikely]] observer->on_linear_input(l->name, x);
      weights.push_back(&l->weight);
      biases.push_back(l->bias.defined() ? &l->bias : nullptr);
    }
    return ops::linear_group(x, weights, biases);
  }
  if (LinearObserver* observer = current_linear_observer()) [[unlikely]]
    for (const Linear* l : linears) observer->on_linear_input(l->name, x);
  const Tensor x32 = x.to(tensor::DType::F32).contiguous();
  const int64_t m = x32.numel() / std::max<int64_t>(x.size(-1), 1);
  std::vector<const quant::QuantizedTensor*> ws;
  std::vector<float*> ys;
  for (const Linear* l : linears) {
    tensor::Shape shape = x.shape();
    shape.back() = l->quantized.tensor.rows();
    out.push_back(Tensor::empty(shape, tensor::DType::F32));
    ws.push_back(&l->quantized.tensor);
    ys.push_back(out.back().mutable_data<float>());
  }
  if (m > 0) quant::linear_group_f32(x32.data<float>(), m, ws, ys);
  for (size_t j = 0; j < linears.size(); ++j) {
    const Linear& l = *linears[j];
    const int64_t n = l.quantized.tensor.rows();
    if (l.quantized.interleaved_heads != 0) {
      uninterleave_rows(ys[j], m, n, l.quantized.interleaved_heads, l.bias);
    } else if (l.bias.defined()) {  // as quant::linear adds it
      const std::vector<float> b = l.bias.to_float_vector();
      for (int64_t i = 0; i < m; ++i)
        for (int64_t r = 0; r < n; ++r) ys[j][i * n + r] += b[static_cast<size_t>(r)];
    }
  }
  return out;
}

Embedding Embedding::load(const WeightSource& w, std::string_view name, int64_t vocab, int64_t dim) {
  Embedding e;
  WeightSource s = w.sub(name);
  if (auto q = s.get_quantized("weight", {vocab, dim}); q && q->interleaved_heads == 0) e.quantized = std::move(q->tensor);
  else e.weight = s.get("weight", {vocab, dim}, WeightKind::Matmul);
  return e;
}

Tensor Embedding::operator()(const Tensor& ids) const {
  if (!quantized.defined()) return ops::embedding(weight, ids).to(tensor::DType::F32);
  const Tensor ids64 = ids.to(tensor::DType::I64).contiguous();
  const int64_t vocab = quantized.rows(), dim = quantized.cols(), n = ids64.numel();
  tensor::Shape shape = ids64.shape();
  shape.push_back(dim);
  Tensor out = Tensor::empty(shape, tensor::DType::F32);
  const int64_t* p = ids64.data<int64_t>();
  float* dst = out.mutable_data<float>();
  for (int64_t i = 0; i < n; ++i) {
    HFCPP_CHECK(p[i] >= 0 && p[i] < vocab, ErrorCode::InvalidArgument,
                "[embedding] id {} at flat position {} is out of range: expected 0 <= id < {}", p[i], i, vocab);
    quant::dequantize(quantized.type(), quantized.row(p[i]), dst + i * dim, dim);
  }
  return out;
}

Linear Embedding::as_linear() const {
  Linear l;
  l.weight = weight;
  l.quantized.tensor = quantized;
  return l;
}

LayerNorm LayerNorm::load(const WeightSource& w, std::string_view name, int64_t n, float eps) {
  LayerNorm ln;
  WeightSource s = w.sub(name);
  ln.weight = s.get("weight", {n}, WeightKind::Param);
  ln.bias = s.get("bias", {n}, WeightKind::Param);
  ln.eps = eps;
  return ln;
}

Tensor LayerNorm::operator()(const Tensor& x) const { return ops::layer_norm(x, weight, bias, eps); }

RmsNorm RmsNorm::load(const WeightSource& w, std::string_view name, int64_t n, float eps, bool unit_offset) {
  RmsNorm norm;
  norm.weight = w.sub(name).get("weight", {n}, WeightKind::Param);
  norm.eps = eps;
  norm.unit_offset = unit_offset;
  return norm;
}

Tensor RmsNorm::operator()(const Tensor& x) const { return ops::rms_norm(x, weight, {eps, unit_offset}); }

Conv1D Conv1D::load(const WeightSource& w, std::string_view name, int64_t in, int64_t out) {
  Conv1D c;
  if (w.is_gguf()) {
    c.linear = Linear::load(w, name, in, out);
    return c;
  }
  WeightSource s = w.sub(name);
  c.linear.name = s.prefix() + "weight";
  Tensor weight = s.get("weight", {in, out}, WeightKind::Matmul);
  if (weight.defined()) c.linear.weight = weight.transpose(0, 1);
  c.linear.bias = s.get("bias", {out}, WeightKind::Param);
  return c;
}

Tensor Conv1D::operator()(const Tensor& x) const { return linear(x); }

Activation parse_activation(const std::string& name, const std::string& source) {
  if (name == "gelu") return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::GeluTanh;
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "relu") return Activation::Relu;
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "tanh") return Activation::Tanh;
  HFCPP_THROW(ErrorCode::Unsupported,
              "[config] {}: activation '{}' is not supported, expected one of gelu, gelu_new, "
              "gelu_pytorch_tanh, gelu_fast, quick_gelu, relu, silu, swish, tanh",
              source, name);
}

Tensor activate(const Tensor& x, Activation act) {
  switch (act) {
    case Activation::GeluErf: return ops::gelu(x, ops::GeluApprox::None);
    case Activation::GeluTanh: return ops::gelu(x, ops::GeluApprox::Tanh);
    case Activation::QuickGelu: return ops::quick_gelu(x);
    case Activation::Relu: return ops::relu(x);
    case Activation::Silu: return ops::silu(x);
    case Activation::Tanh: return ops::tanh(x);
  }
  HFCPP_THROW(ErrorCode::Internal, "[layers] unknown activation");
}

Tensor self_attention(const Tensor& x, const Linear& q, const Linear& k, const Linear& v,
                      const Tensor& key_padding_mask, const SelfAttentionParams& p) {
  const int64_t b = x.size(0), l = x.size(1);
  auto split_heads = [&](const Tensor& t) {
    return t.view({b, l, p.n_heads, p.head_dim}).permute({0, 2, 1, 3});
  };
  ops::SdpaOptions opts;
  opts.key_padding_mask = key_padding_mask;
  Tensor ctx = ops::scaled_dot_product_attention(split_heads(q(x)), split_heads(k(x)), split_heads(v(x)), opts);
  return ctx.permute({0, 2, 1, 3}).reshape({b, l, p.n_heads * p.head_dim});
}

Tensor arange_positions(int64_t batch, int64_t length, int64_t offset) {
  Tensor pos = Tensor::empty({batch, length}, tensor::DType::I64);
  int64_t* p = pos.mutable_data<int64_t>();
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < length; ++j) p[i * length + j] = offset + j;
  return pos;
}

}  // namespace hfcpp::models::layers
