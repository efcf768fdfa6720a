#include "models/bert.h"

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "models/layers/layers.h"

namespace hfcpp::models {
namespace {

using layers::LayerNorm;
using layers::Linear;

struct BertConfig {
  int64_t vocab, hidden, layers, heads, intermediate, max_positions, type_vocab, pad_token_id;
  float eps;
  layers::Activation act;
  std::string position_embedding_type;

  static BertConfig from(const ModelConfig& c) {
    BertConfig b;
    b.vocab = c.get_dim("vocab_size");
    b.hidden = c.get_dim("hidden_size", 768, 1 << 16);
    b.layers = c.get_dim("num_hidden_layers", 12, 1024);
    b.heads = c.get_dim("num_attention_heads", 12, 1024);
    b.intermediate = c.get_dim("intermediate_size", 3072, 1 << 20);
    b.max_positions = c.get_dim("max_position_embeddings", 512, 1 << 20);
    b.type_vocab = c.get_int("type_vocab_size", 2);
    b.pad_token_id = c.get_int("pad_token_id", 0);
    b.eps = static_cast<float>(c.get_float("layer_norm_eps", 1e-12));
    b.act = layers::parse_activation(c.get_string("hidden_act", "gelu"), c.source());
    b.position_embedding_type = c.get_string("position_embedding_type", "absolute");
    HFCPP_CHECK(b.hidden % b.heads == 0, ErrorCode::Format,
                "[config] {}: hidden_size {} is not a multiple of num_attention_heads {}", c.source(),
                b.hidden, b.heads);
    HFCPP_CHECK(b.position_embedding_type == "absolute", ErrorCode::Unsupported,
                "[config] {}: position_embedding_type '{}' is not supported, expected 'absolute'",
                c.source(), b.position_embedding_type);
    HFCPP_CHECK(b.type_vocab >= 0 && b.type_vocab <= 1024, ErrorCode::Format,
                "[config] {}: type_vocab_size {} out of range", c.source(), b.type_vocab);
    return b;
  }
};

struct BertLayer {
  Linear query, key, value, attn_out, intermediate, output;
  LayerNorm attn_norm, out_norm;
};

class BertFamilyModel final : public EncoderModel {
 public:
  BertFamilyModel(const ModelConfig& config, WeightSource& root, EncoderTask task, BertVariant variant)
      : cfg_(BertConfig::from(config)), task_(task), variant_(variant) {
    config_ = config;
    const std::string prefix = variant == BertVariant::Bert ? "bert" : "roberta";
    root.set_base_model_prefix(prefix);
    // Heads are stored at the top level; the base model under "<prefix>." (or without it when a
    // base model was saved alone: WeightSource tries both).
    WeightSource base = task == EncoderTask::Base ? root : root.sub(prefix);
    const int64_t h = cfg_.hidden;
    WeightSource emb = base.sub("embeddings");
    word_embeddings_ = emb.get("word_embeddings.weight", {cfg_.vocab, h});
    position_embeddings_ = emb.get("position_embeddings.weight", {cfg_.max_positions, h});
    if (cfg_.type_vocab > 0) token_type_embeddings_ = emb.get("token_type_embeddings.weight", {cfg_.type_vocab, h});
    embeddings_norm_ = LayerNorm::load(emb, "LayerNorm", h, cfg_.eps);
    for (int64_t i = 0; i < cfg_.layers; ++i) {
      WeightSource l = base.sub("encoder.layer").sub(i);
      BertLayer layer;
      layer.query = Linear::load(l, "attention.self.query", h, h);
      layer.key = Linear::load(l, "attention.self.key", h, h);
      layer.value = Linear::load(l, "attention.self.value", h, h);
      layer.attn_out = Linear::load(l, "attention.output.dense", h, h);
      layer.attn_norm = LayerNorm::load(l, "attention.output.LayerNorm", h, cfg_.eps);
      layer.intermediate = Linear::load(l, "intermediate.dense", h, cfg_.intermediate);
      layer.output = Linear::load(l, "output.dense", cfg_.intermediate, h);
      layer.out_norm = LayerNorm::load(l, "output.LayerNorm", h, cfg_.eps);
      layers_.push_back(std::move(layer));
    }
    switch (task) {
      case EncoderTask::Base:
        // The pooler is optional (sentence-transformers checkpoints often drop it).
        if (base.has("pooler.dense.weight")) pooler_ = Linear::load(base, "pooler.dense", h, h);
        break;
      case EncoderTask::SequenceClassification:
        labels_ = config.labels();
        if (variant == BertVariant::Bert) {
          pooler_ = Linear::load(base, "pooler.dense", h, h);
          classifier_ = Linear::load(root, "classifier", h, static_cast<int64_t>(labels_.size()));
        } else {
          head_dense_ = Linear::load(root, "classifier.dense", h, h);
          classifier_ = Linear::load(root, "classifier.out_proj", h, static_cast<int64_t>(labels_.size()));
        }
        break;
      case EncoderTask::TokenClassification:
        labels_ = config.labels();
        classifier_ = Linear::load(root, "classifier", h, static_cast<int64_t>(labels_.size()));
        break;
      case EncoderTask::QuestionAnswering:
        classifier_ = Linear::load(root, "qa_outputs", h, 2);
        break;
      case EncoderTask::MaskedLM: {
        const bool bert = variant == BertVariant::Bert;
        WeightSource head = bert ? root.sub("cls.predictions") : root.sub("lm_head");
        head_dense_ = Linear::load(head, bert ? "transform.dense" : "dense", h, h);
        head_norm_ = LayerNorm::load(head, bert ? "transform.LayerNorm" : "layer_norm", h, cfg_.eps);
        // Decoder weight tied to the word embeddings unless the checkpoint has its own.
        auto own = head.get_optional("decoder.weight", {cfg_.vocab, h});
        classifier_.weight = own ? *own : word_embeddings_;
        auto bias = head.get_optional("bias", {cfg_.vocab}, WeightKind::Param);
        classifier_.bias = bias ? *bias : head.get("decoder.bias", {cfg_.vocab}, WeightKind::Param);
        break;
      }
    }
    root.check_complete();
  }

  EncoderTask task() const override { return task_; }
  int64_t hidden_size() const override { return cfg_.hidden; }
  int64_t max_positions() const override {
    return variant_ == BertVariant::Roberta ? cfg_.max_positions - cfg_.pad_token_id - 1 : cfg_.max_positions;
  }

  EncoderOutput forward(const EncoderBatch& batch) const override {
    const Tensor& ids = batch.input_ids;
    HFCPP_CHECK(ids.defined() && ids.dim() == 2, ErrorCode::InvalidArgument,
                "[bert] input_ids must be [batch, length], got {}", ids.defined() ? tensor::shape_to_string(ids.shape()) : "nothing");
    const int64_t b = ids.size(0), l = ids.size(1);
    HFCPP_CHECK(l <= max_positions(), ErrorCode::InvalidArgument,
                "[bert] sequence of {} tokens exceeds the model's {} positions (truncate the input)", l,
                max_positions());
    Tensor ids64 = ids.to(tensor::DType::I64).contiguous();
    Tensor positions = variant_ == BertVariant::Roberta ? roberta_positions(ids64) : layers::arange_positions(b, l);
    Tensor h = ops::embedding(word_embeddings_, ids64).to(tensor::DType::F32);
    h = ops::add(h, ops::embedding(position_embeddings_, positions).to(tensor::DType::F32));
    if (token_type_embeddings_.defined()) {
      Tensor types = batch.token_type_ids.defined() ? batch.token_type_ids.to(tensor::DType::I64).contiguous()
                                                    : Tensor::zeros({b, l}, tensor::DType::I64);
      h = ops::add(h, ops::embedding(token_type_embeddings_, types).to(tensor::DType::F32));
    }
    h = embeddings_norm_(h);
    EncoderOutput out;
    if (batch.output_hidden_states) out.hidden_states.push_back(h);
    const layers::SelfAttentionParams attn{cfg_.heads, cfg_.hidden / cfg_.heads};
    for (const BertLayer& layer : layers_) {
      Tensor ctx = layers::self_attention(h, layer.query, layer.key, layer.value, batch.attention_mask, attn);
      Tensor a = layer.attn_norm(ops::add(layer.attn_out(ctx), h));
      Tensor f = layer.output(layers::activate(layer.intermediate(a), cfg_.act));
      h = layer.out_norm(ops::add(f, a));
      if (batch.output_hidden_states) out.hidden_states.push_back(h);
    }
    out.last_hidden_state = h;
    switch (task_) {
      case EncoderTask::Base:
        if (pooler_.weight.defined()) out.pooler_output = ops::tanh(pooler_(h.select(1, 0)));
        break;
      case EncoderTask::SequenceClassification:
        if (variant_ == BertVariant::Bert) {
          out.pooler_output = ops::tanh(pooler_(h.select(1, 0)));
          out.logits = classifier_(out.pooler_output);
        } else {
          out.logits = classifier_(ops::tanh(head_dense_(h.select(1, 0))));
        }
        break;
      case EncoderTask::TokenClassification:
        out.logits = classifier_(h);
        break;
      case EncoderTask::QuestionAnswering: {
        Tensor logits = classifier_(h);  // [B, L, 2]
        out.start_logits = logits.select(2, 0).contiguous();
        out.end_logits = logits.select(2, 1).contiguous();
        break;
      }
      case EncoderTask::MaskedLM: {
        Tensor t = head_norm_(layers::activate(head_dense_(h), variant_ == BertVariant::Bert ? cfg_.act : layers::Activation::GeluErf));
        out.logits = classifier_(t);
        break;
      }
    }
    return out;
  }

 private:
  // RoBERTa: positions count real tokens from padding_idx + 1; padding keeps padding_idx.
  Tensor roberta_positions(const Tensor& ids) const {
    Tensor pos = Tensor::empty(ids.shape(), tensor::DType::I64);
    const int64_t* in = ids.data<int64_t>();
    int64_t* p = pos.mutable_data<int64_t>();
    const int64_t b = ids.size(0), l = ids.size(1), pad = cfg_.pad_token_id;
    for (int64_t i = 0; i < b; ++i) {
      int64_t count = 0;
      for (int64_t j = 0; j < l; ++j) {
        bool real = in[i * l + j] != pad;
        count += real;
        p[i * l + j] = real ? count + pad : pad;
      }
    }
    return pos;
  }

  BertConfig cfg_;
  EncoderTask task_;
  BertVariant variant_;
  Tensor word_embeddings_, position_embeddings_, token_type_embeddings_;
  LayerNorm embeddings_norm_;
  std::vector<BertLayer> layers_;
  Linear pooler_, classifier_, head_dense_;
  LayerNorm head_norm_;
};

}  // namespace

std::unique_ptr<EncoderModel> load_bert_family(const ModelConfig& config, WeightSource& weights,
                                               EncoderTask task, BertVariant variant) {
  return std::make_unique<BertFamilyModel>(config, weights, task, variant);
}

}  // namespace hfcpp::models
