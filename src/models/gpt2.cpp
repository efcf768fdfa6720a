#include "models/gpt2.h"

#include <cmath>

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "hfcpp/tensor/ops/matmul.h"
#include "models/layers/causal_attention.h"
#include "models/layers/layers.h"

namespace hfcpp::models {

namespace {

using layers::Conv1D;
using layers::LayerNorm;

struct Gpt2Config {
  int64_t vocab, hidden, layers, heads, inner, positions;
  float eps;
  layers::Activation act;
  bool scale_attn_weights, scale_by_inverse_layer_idx, tie;

  static Gpt2Config from(const ModelConfig& c) {
    Gpt2Config g;
    g.vocab = c.get_dim("vocab_size");
    g.hidden = c.get_dim("n_embd", 768, int64_t{1} << 17);
    g.layers = c.get_dim("n_layer", 12, 4096);
    g.heads = c.get_dim("n_head", 12, 4096);
    g.inner = c.get_dim("n_inner", 4 * g.hidden, int64_t{1} << 20);
    g.positions = c.get_dim("n_positions", 1024, int64_t{1} << 24);
    g.eps = static_cast<float>(c.get_float("layer_norm_epsilon", 1e-5));
    g.act = layers::parse_activation(c.get_string("activation_function", "gelu_new"), c.source());
    g.scale_attn_weights = c.get_bool("scale_attn_weights", true);
    g.scale_by_inverse_layer_idx = c.get_bool("scale_attn_by_inverse_layer_idx", false);
    g.tie = c.get_bool("tie_word_embeddings", true);
    HFCPP_CHECK(g.hidden % g.heads == 0, ErrorCode::Format,
                "[config] {}: n_embd {} is not a multiple of n_head {}", c.source(), g.hidden, g.heads);
    return g;
  }
};

struct Gpt2Block {
  LayerNorm ln_1, ln_2;
  Conv1D c_attn, attn_proj, c_fc, mlp_proj;
};

class Gpt2 final : public CausalLM {
 public:
  Gpt2(const ModelConfig& config, WeightSource& root) : cfg_(Gpt2Config::from(config)) {
    config_ = config;
    root.set_base_model_prefix("transformer");
    WeightSource t = root.sub("transformer");
    const int64_t h = cfg_.hidden;
    wte_ = t.get("wte.weight", {cfg_.vocab, h});
    wpe_ = t.get("wpe.weight", {cfg_.positions, h});
    for (int64_t i = 0; i < cfg_.layers; ++i) {
      WeightSource l = t.sub("h").sub(i);
      Gpt2Block b;
      b.ln_1 = LayerNorm::load(l, "ln_1", h, cfg_.eps);
      b.c_attn = Conv1D::load(l, "attn.c_attn", h, 3 * h);
      b.attn_proj = Conv1D::load(l, "attn.c_proj", h, h);
      b.ln_2 = LayerNorm::load(l, "ln_2", h, cfg_.eps);
      b.c_fc = Conv1D::load(l, "mlp.c_fc", h, cfg_.inner);
      b.mlp_proj = Conv1D::load(l, "mlp.c_proj", cfg_.inner, h);
      blocks_.push_back(std::move(b));
      kv_specs_.push_back({cfg_.heads, h / cfg_.heads, 0});
    }
    ln_f_ = LayerNorm::load(t, "ln_f", h, cfg_.eps);
    lm_head_ = cfg_.tie ? wte_ : root.get("lm_head.weight", {cfg_.vocab, h});
    root.check_complete();
  }

  int64_t vocab_size() const override { return cfg_.vocab; }
  int64_t max_positions() const override { return cfg_.positions; }
  std::unique_ptr<KvCache> make_cache(const KvCacheOptions& options) const override {
    return make_layered_kv_cache(kv_specs_, options);
  }

  CausalLMOutput forward(const CausalLMBatch& batch, KvCache& cache) const override {
    layers::DecoderStep step = layers::begin_decoder_step(batch, cache, kv_specs_, cfg_.vocab, "gpt2", cfg_.positions);
    try {
      CausalLMOutput out = run(batch, step);
      layers::end_decoder_step(step);
      return out;
    } catch (...) {
      step.cache->crop(step.past);
      throw;
    }
  }

 private:
  CausalLMOutput run(const CausalLMBatch& batch, const layers::DecoderStep& step) const {
    CausalLMOutput out;
    const int64_t B = step.batch, T = step.new_tokens, H = cfg_.heads, D = cfg_.hidden / cfg_.heads;
    Tensor h = ops::add(ops::embedding(wte_, step.input_ids).to(tensor::DType::F32),
                        ops::embedding(wpe_, step.positions).to(tensor::DType::F32));
    if (batch.output_hidden_states) out.hidden_states.push_back(h);
    for (int64_t i = 0; i < cfg_.layers; ++i) {
      const Gpt2Block& b = blocks_[i];
      const Tensor qkv = b.c_attn(b.ln_1(h));  // [B, T, 3h]
      auto heads = [&](int64_t part) {
        return qkv.narrow(2, part * cfg_.hidden, cfg_.hidden).reshape({B, T, H, D}).permute({0, 2, 1, 3});
      };
      float scale = cfg_.scale_attn_weights ? 1.0f / std::sqrt(static_cast<float>(D)) : 1.0f;
      if (cfg_.scale_by_inverse_layer_idx) scale /= static_cast<float>(i + 1);
      const Tensor ctx = layers::causal_attention(step, i, heads(0), heads(1), heads(2), {scale, 0, 0.0f});
      h = ops::add(b.attn_proj(ctx), h);
      h = ops::add(b.mlp_proj(layers::activate(b.c_fc(b.ln_2(h)), cfg_.act)), h);
      if (batch.output_hidden_states) out.hidden_states.push_back(h);
    }
    if (batch.last_token_logits_only) h = h.narrow(1, T - 1, 1);
    Tensor x = ln_f_(h);
    if (batch.output_hidden_states && !batch.last_token_logits_only) out.hidden_states.back() = x;
    out.logits = ops::linear(x, lm_head_).to(tensor::DType::F32);
    return out;
  }

  Gpt2Config cfg_;
  Tensor wte_, wpe_, lm_head_;
  std::vector<Gpt2Block> blocks_;
  std::vector<KvLayerSpec> kv_specs_;
  LayerNorm ln_f_;
};

}  // namespace

std::unique_ptr<CausalLM> load_gpt2(const ModelConfig& config, WeightSource& weights) {
  return std::make_unique<Gpt2>(config, weights);
}

}  // namespace hfcpp::models
