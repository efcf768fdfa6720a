#include "models/layers/rotary_decoder.h"

#include <cmath>

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "hfcpp/tensor/ops/matmul.h"
#include "hfcpp/tensor/ops/norm.h"
#include "hfcpp/tensor/ops/rope.h"
#include "models/layers/causal_attention.h"

namespace hfcpp::models::layers {

RotaryDecoderSpec rotary_spec_from_config(const ModelConfig& c, const char* component,
                                          const RotaryDecoderDefaults& d) {
  RotaryDecoderSpec s;
  s.component = component;
  s.vocab = c.get_dim("vocab_size");
  s.hidden = c.get_dim("hidden_size", int64_t{1} << 17);
  s.layers = c.get_dim("num_hidden_layers", 4096);
  s.heads = c.get_dim("num_attention_heads", 4096);
  s.kv_heads = c.get_dim("num_key_value_heads", s.heads, 4096);
  s.intermediate = c.get_dim("intermediate_size", int64_t{1} << 20);
  const int64_t default_head_dim = d.head_dim > 0 ? d.head_dim : s.hidden / s.heads;
  s.head_dim = c.get_dim("head_dim", default_head_dim, 1 << 16);
  HFCPP_CHECK(d.head_dim > 0 || c.has("head_dim") || s.hidden % s.heads == 0, ErrorCode::Format,
              "[config] {}: hidden_size {} is not a multiple of num_attention_heads {} (and no head_dim)",
              c.source(), s.hidden, s.heads);
  s.max_positions = c.get_dim("max_position_embeddings", d.max_positions, int64_t{1} << 26);
  s.norm_eps = static_cast<float>(c.get_float("rms_norm_eps", d.norm_eps));
  s.activation = parse_activation(c.get_string(d.activation_key, d.activation), c.source());
  s.tie_word_embeddings = c.get_bool("tie_word_embeddings", d.tie_word_embeddings);
  s.rope = RopeSpec::from_config(c, s.head_dim, c.get_float("rope_theta", d.rope_theta));
  s.layer_windows.assign(s.layers, 0);
  return s;
}

std::vector<int64_t> layer_windows_from_config(const ModelConfig& config, int64_t layers, int64_t window,
                                               const std::vector<bool>& fallback_sliding) {
  std::vector<int64_t> windows(layers, 0);
  const auto& json = config.json();
  auto it = json.find("layer_types");
  if (it != json.end() && !it->is_null()) {
    HFCPP_CHECK(it->is_array() && static_cast<int64_t>(it->size()) == layers, ErrorCode::Format,
                "[config] {}: 'layer_types' must list {} layer types (num_hidden_layers)", config.source(), layers);
    for (int64_t i = 0; i < layers; ++i) {
      const auto& t = (*it)[i];
      HFCPP_CHECK(t.is_string(), ErrorCode::Format, "[config] {}: layer_types[{}] is {}, expected a string",
                  config.source(), i, core::json_type_name(t));
      const std::string type = t.get<std::string>();
      HFCPP_CHECK(type == "sliding_attention" || type == "full_attention", ErrorCode::Unsupported,
                  "[config] {}: layer_types[{}] is '{}', expected 'sliding_attention' or 'full_attention'",
                  config.source(), i, type);
      windows[i] = type == "sliding_attention" ? window : 0;
    }
  } else {
    for (int64_t i = 0; i < layers && i < static_cast<int64_t>(fallback_sliding.size()); ++i)
      windows[i] = fallback_sliding[i] ? window : 0;
  }
  for (int64_t w : windows)
    HFCPP_CHECK(w >= 0, ErrorCode::Format, "[config] {}: sliding_window {} must be positive", config.source(), w);
  return windows;
}

namespace {

struct DecoderLayer {
  Linear q, k, v, qkv, o;
  RmsNorm q_norm, k_norm;
  RmsNorm input_norm, post_attention_norm, pre_mlp_norm, post_mlp_norm;
  Linear gate, up, gate_up, down;
  int64_t window = 0;
};

class RotaryDecoder final : public CausalLM {
 public:
  RotaryDecoder(const ModelConfig& config, WeightSource& root, RotaryDecoderSpec spec) : s_(std::move(spec)) {
    config_ = config;
    HFCPP_CHECK(s_.heads % s_.kv_heads == 0, ErrorCode::Format,
                "[config] {}: num_attention_heads {} is not a multiple of num_key_value_heads {}", config.source(),
                s_.heads, s_.kv_heads);
    HFCPP_CHECK(static_cast<int64_t>(s_.layer_windows.size()) == s_.layers, ErrorCode::Internal,
                "[{}] {} layer windows for {} layers", s_.component, s_.layer_windows.size(), s_.layers);
    const int64_t h = s_.hidden, q_out = s_.heads * s_.head_dim, kv_out = s_.kv_heads * s_.head_dim;
    const float eps = s_.norm_eps;
    const bool unit = s_.norm_unit_offset;
    WeightSource model = root.sub("model");
    embed_ = Embedding::load(model, "embed_tokens", s_.vocab, h);
    for (int64_t i = 0; i < s_.layers; ++i) {
      WeightSource l = model.sub("layers").sub(i);
      DecoderLayer layer;
      if (s_.fused_qkv) {
        layer.qkv = Linear::load(l, "self_attn.qkv_proj", h, q_out + 2 * kv_out, s_.qkv_bias);
      } else {
        layer.q = Linear::load(l, "self_attn.q_proj", h, q_out, s_.qkv_bias);
        layer.k = Linear::load(l, "self_attn.k_proj", h, kv_out, s_.qkv_bias);
        layer.v = Linear::load(l, "self_attn.v_proj", h, kv_out, s_.qkv_bias);
      }
      layer.o = Linear::load(l, "self_attn.o_proj", q_out, h, s_.o_bias);
      if (s_.qk_norm) {
        layer.q_norm = RmsNorm::load(l, "self_attn.q_norm", s_.head_dim, eps, unit);
        layer.k_norm = RmsNorm::load(l, "self_attn.k_norm", s_.head_dim, eps, unit);
      }
      layer.input_norm = RmsNorm::load(l, "input_layernorm", h, eps, unit);
      if (s_.sandwich_norms) {
        layer.post_attention_norm = RmsNorm::load(l, "post_attention_layernorm", h, eps, unit);
        layer.pre_mlp_norm = RmsNorm::load(l, "pre_feedforward_layernorm", h, eps, unit);
        layer.post_mlp_norm = RmsNorm::load(l, "post_feedforward_layernorm", h, eps, unit);
      } else {
        layer.pre_mlp_norm = RmsNorm::load(l, "post_attention_layernorm", h, eps, unit);
      }
      if (s_.fused_gate_up) {
        layer.gate_up = Linear::load(l, "mlp.gate_up_proj", h, 2 * s_.intermediate, s_.mlp_bias);
      } else {
        layer.gate = Linear::load(l, "mlp.gate_proj", h, s_.intermediate, s_.mlp_bias);
        layer.up = Linear::load(l, "mlp.up_proj", h, s_.intermediate, s_.mlp_bias);
      }
      layer.down = Linear::load(l, "mlp.down_proj", s_.intermediate, h, s_.mlp_bias);
      layer.window = s_.layer_windows[i];
      layers_.push_back(std::move(layer));
      kv_specs_.push_back({s_.kv_heads, s_.head_dim, s_.layer_windows[i]});
    }
    final_norm_ = RmsNorm::load(model, "norm", h, eps, unit);
    lm_head_ = s_.tie_word_embeddings ? embed_.as_linear() : Linear::load(root, "lm_head", h, s_.vocab, false);
    root.check_complete();
    rope_ = RotaryEmbedding(s_.rope);
    if (s_.rope_local) rope_local_ = RotaryEmbedding(*s_.rope_local);
    scale_ = s_.attention_scale > 0 ? s_.attention_scale : 1.0f / std::sqrt(static_cast<float>(s_.head_dim));
    // A GGUF run in its own types (--dtype quantized, whether blocks, F16 or F32) gets llama.cpp's
    // default f16 KV cache: the F16 file decodes ~8% faster for it (SmolLM2, 512-token context).
    if (root.keeps_file_types() || (!layers_.empty() && layers_.front().o.quantized.tensor.defined()))
      kv_dtype_ = tensor::DType::F16;
  }

  int64_t vocab_size() const override { return s_.vocab; }
  int64_t max_positions() const override { return s_.max_positions; }

  std::unique_ptr<KvCache> make_cache(const KvCacheOptions& options) const override {
    return make_layered_kv_cache(kv_specs_, options, kv_dtype_);
  }

  CausalLMOutput forward(const CausalLMBatch& batch, KvCache& cache) const override {
    DecoderStep step = begin_decoder_step(batch, cache, kv_specs_, s_.vocab, s_.component.c_str());
    try {
      CausalLMOutput out = run(batch, step);
      end_decoder_step(step);
      return out;
    } catch (...) {
      step.cache->crop(step.past);  // drop what the layers appended before the failure
      throw;
    }
  }

 private:
  CausalLMOutput run(const CausalLMBatch& batch, const DecoderStep& step) const {
    CausalLMOutput out;
    Tensor h = embed_(step.input_ids);
    // transformers multiplies by sqrt(hidden) rounded to the activations' dtype (f32 here).
    if (s_.scale_embeddings) h = ops::mul_scalar(h, static_cast<float>(std::sqrt(static_cast<double>(s_.hidden))));
    const auto global_tables = rope_.tables(step.positions);
    std::pair<Tensor, Tensor> local_tables;
    if (s_.rope_local) local_tables = rope_local_.tables(step.positions);
    if (batch.output_hidden_states) out.hidden_states.push_back(h);

    Tensor pending;  // a residual branch not yet added to h (fused into the next norm)
    auto norm_residual = [&](const RmsNorm& norm) {
      if (!pending.defined()) return norm(h);
      auto [normed, sum] = ops::add_rms_norm(pending, h, norm.weight, {norm.eps, norm.unit_offset});
      h = std::move(sum);
      pending = Tensor();
      return normed;
    };
    for (int64_t i = 0; i < s_.layers; ++i) {
      const DecoderLayer& layer = layers_[i];
      const auto& tables = (s_.rope_local && layer.window > 0) ? local_tables : global_tables;
      Tensor a = attention(layer, norm_residual(layer.input_norm), step, i, tables);
      pending = s_.sandwich_norms ? layer.post_attention_norm(a) : a;
      Tensor m = mlp(layer, norm_residual(layer.pre_mlp_norm));
      pending = s_.sandwich_norms ? layer.post_mlp_norm(m) : m;
      if (batch.output_hidden_states) {
        h = ops::add(h, pending);
        pending = Tensor();
        out.hidden_states.push_back(h);
      }
    }
    if (batch.last_token_logits_only) {
      const int64_t T = h.size(1);
      h = h.narrow(1, T - 1, 1);
      if (pending.defined()) pending = pending.narrow(1, T - 1, 1);
    }
    Tensor x = norm_residual(final_norm_);
    // transformers reports the final norm's output as the last hidden state.
    if (batch.output_hidden_states && !batch.last_token_logits_only) out.hidden_states.back() = x;
    Tensor logits = lm_head_(x).to(tensor::DType::F32);
    if (s_.final_softcap > 0)
      logits = ops::mul_scalar(ops::tanh(ops::mul_scalar(logits, 1.0f / s_.final_softcap)), s_.final_softcap);
    out.logits = std::move(logits);
    return out;
  }

  Tensor attention(const DecoderLayer& layer, const Tensor& x, const DecoderStep& step, int64_t index,
                   const std::pair<Tensor, Tensor>& tables) const {
    const int64_t B = x.size(0), T = x.size(1), H = s_.heads, Hkv = s_.kv_heads, D = s_.head_dim;
    Tensor q, k, v;
    if (s_.fused_qkv) {
      const Tensor qkv = layer.qkv(x);
      q = qkv.narrow(2, 0, H * D);
      k = qkv.narrow(2, H * D, Hkv * D);
      v = qkv.narrow(2, (H + Hkv) * D, Hkv * D);
    } else {
      const Linear* qkv[] = {&layer.q, &layer.k, &layer.v};
      std::vector<Tensor> outs = linear_group(qkv, x);
      q = std::move(outs[0]);
      k = std::move(outs[1]);
      v = std::move(outs[2]);
    }
    q = q.reshape({B, T, H, D});
    k = k.reshape({B, T, Hkv, D});
    if (s_.qk_norm) {
      q = layer.q_norm(q);
      k = layer.k_norm(k);
    }
    q = ops::apply_rope(q.permute({0, 2, 1, 3}), tables.first, tables.second, ops::RopeLayout::HalfSplit);
    k = ops::apply_rope(k.permute({0, 2, 1, 3}), tables.first, tables.second, ops::RopeLayout::HalfSplit);
    v = v.reshape({B, T, Hkv, D}).permute({0, 2, 1, 3});
    const CausalAttentionParams params{scale_, layer.window, s_.attention_softcap};
    return layer.o(causal_attention(step, index, q, k, v, params));
  }

  Tensor mlp(const DecoderLayer& layer, const Tensor& x) const {
    Tensor gate, up;
    if (s_.fused_gate_up) {
      const Tensor gu = layer.gate_up(x);
      gate = gu.narrow(2, 0, s_.intermediate).contiguous();
      up = gu.narrow(2, s_.intermediate, s_.intermediate).contiguous();
    } else {
      const Linear* gate_up[] = {&layer.gate, &layer.up};
      std::vector<Tensor> outs = linear_group(gate_up, x);
      gate = std::move(outs[0]);
      up = std::move(outs[1]);
    }
    Tensor y = s_.activation == Activation::Silu ? ops::swiglu(gate, up) : ops::mul(activate(gate, s_.activation), up);
    return layer.down(y);
  }

  RotaryDecoderSpec s_;
  Embedding embed_;
  Linear lm_head_;
  std::vector<DecoderLayer> layers_;
  std::vector<KvLayerSpec> kv_specs_;
  RmsNorm final_norm_;
  RotaryEmbedding rope_, rope_local_;
  float scale_ = 1.0f;
  tensor::DType kv_dtype_ = tensor::DType::F32;  // the cache dtype when KvCacheOptions::dtype is unset
};

}  // namespace

std::unique_ptr<CausalLM> load_rotary_decoder(const ModelConfig& config, WeightSource& weights,
                                              RotaryDecoderSpec spec) {
  return std::make_unique<RotaryDecoder>(config, weights, std::move(spec));
}

}  // namespace hfcpp::models::layers
