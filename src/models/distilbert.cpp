#include "models/distilbert.h"

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "models/layers/layers.h"

namespace hfcpp::models {
namespace {

using layers::LayerNorm;
using layers::Linear;

struct DistilBertLayer {
  Linear q, k, v, out, lin1, lin2;
  LayerNorm sa_norm, out_norm;
};

class DistilBertModel final : public EncoderModel {
 public:
  DistilBertModel(const ModelConfig& config, WeightSource& root, EncoderTask task) : task_(task) {
    config_ = config;
    vocab_ = config.get_dim("vocab_size");
    dim_ = config.get_dim("dim", 768, 1 << 16);
    heads_ = config.get_dim("n_heads", 12, 1024);
    const int64_t n_layers = config.get_dim("n_layers", 6, 1024);
    const int64_t hidden = config.get_dim("hidden_dim", 3072, 1 << 20);
    max_positions_ = config.get_dim("max_position_embeddings", 512, 1 << 20);
    act_ = layers::parse_activation(config.get_string("activation", "gelu"), config.source());
    HFCPP_CHECK(dim_ % heads_ == 0, ErrorCode::Format,
                "[config] {}: dim {} is not a multiple of n_heads {}", config.source(), dim_, heads_);
    constexpr float kEps = 1e-12f;  // hard-coded in transformers' DistilBERT
    root.set_base_model_prefix("distilbert");
    WeightSource base = task == EncoderTask::Base ? root : root.sub("distilbert");
    word_embeddings_ = base.get("embeddings.word_embeddings.weight", {vocab_, dim_});
    position_embeddings_ = base.get("embeddings.position_embeddings.weight", {max_positions_, dim_});
    embeddings_norm_ = LayerNorm::load(base, "embeddings.LayerNorm", dim_, kEps);
    for (int64_t i = 0; i < n_layers; ++i) {
      WeightSource l = base.sub("transformer.layer").sub(i);
      DistilBertLayer layer;
      layer.q = Linear::load(l, "attention.q_lin", dim_, dim_);
      layer.k = Linear::load(l, "attention.k_lin", dim_, dim_);
      layer.v = Linear::load(l, "attention.v_lin", dim_, dim_);
      layer.out = Linear::load(l, "attention.out_lin", dim_, dim_);
      layer.sa_norm = LayerNorm::load(l, "sa_layer_norm", dim_, kEps);
      layer.lin1 = Linear::load(l, "ffn.lin1", dim_, hidden);
      layer.lin2 = Linear::load(l, "ffn.lin2", hidden, dim_);
      layer.out_norm = LayerNorm::load(l, "output_layer_norm", dim_, kEps);
      layers_.push_back(std::move(layer));
    }
    switch (task) {
      case EncoderTask::Base: break;
      case EncoderTask::SequenceClassification:
        labels_ = config.labels();
        pre_classifier_ = Linear::load(root, "pre_classifier", dim_, dim_);
        classifier_ = Linear::load(root, "classifier", dim_, static_cast<int64_t>(labels_.size()));
        break;
      case EncoderTask::TokenClassification:
        labels_ = config.labels();
        classifier_ = Linear::load(root, "classifier", dim_, static_cast<int64_t>(labels_.size()));
        break;
      case EncoderTask::QuestionAnswering:
        classifier_ = Linear::load(root, "qa_outputs", dim_, 2);
        break;
      case EncoderTask::MaskedLM: {
        pre_classifier_ = Linear::load(root, "vocab_transform", dim_, dim_);
        vocab_norm_ = LayerNorm::load(root, "vocab_layer_norm", dim_, kEps);
        auto own = root.get_optional("vocab_projector.weight", {vocab_, dim_});
        classifier_.weight = own ? *own : word_embeddings_;
        classifier_.bias = root.get("vocab_projector.bias", {vocab_}, WeightKind::Param);
        break;
      }
    }
    root.check_complete();
  }

  EncoderTask task() const override { return task_; }
  int64_t hidden_size() const override { return dim_; }
  int64_t max_positions() const override { return max_positions_; }

  EncoderOutput forward(const EncoderBatch& batch) const override {
    const Tensor& ids = batch.input_ids;
    HFCPP_CHECK(ids.defined() && ids.dim() == 2, ErrorCode::InvalidArgument,
                "[distilbert] input_ids must be [batch, length]");
    const int64_t b = ids.size(0), l = ids.size(1);
    HFCPP_CHECK(l <= max_positions_, ErrorCode::InvalidArgument,
                "[distilbert] sequence of {} tokens exceeds the model's {} positions (truncate the input)", l,
                max_positions_);
    Tensor ids64 = ids.to(tensor::DType::I64).contiguous();
    Tensor h = ops::embedding(word_embeddings_, ids64).to(tensor::DType::F32);
    h = ops::add(h, ops::embedding(position_embeddings_, layers::arange_positions(b, l)).to(tensor::DType::F32));
    h = embeddings_norm_(h);
    EncoderOutput out;
    if (batch.output_hidden_states) out.hidden_states.push_back(h);
    const layers::SelfAttentionParams attn{heads_, dim_ / heads_};
    for (const auto& layer : layers_) {
      Tensor ctx = layers::self_attention(h, layer.q, layer.k, layer.v, batch.attention_mask, attn);
      Tensor a = layer.sa_norm(ops::add(layer.out(ctx), h));
      Tensor f = layer.lin2(layers::activate(layer.lin1(a), act_));
      h = layer.out_norm(ops::add(f, a));
      if (batch.output_hidden_states) out.hidden_states.push_back(h);
    }
    out.last_hidden_state = h;
    switch (task_) {
      case EncoderTask::Base: break;
      case EncoderTask::SequenceClassification:
        out.logits = classifier_(ops::relu(pre_classifier_(h.select(1, 0))));
        break;
      case EncoderTask::TokenClassification: out.logits = classifier_(h); break;
      case EncoderTask::QuestionAnswering: {
        Tensor logits = classifier_(h);
        out.start_logits = logits.select(2, 0).contiguous();
        out.end_logits = logits.select(2, 1).contiguous();
        break;
      }
      case EncoderTask::MaskedLM:
        out.logits = classifier_(vocab_norm_(layers::activate(pre_classifier_(h), act_)));
        break;
    }
    return out;
  }

 private:
  EncoderTask task_;
  int64_t vocab_, dim_, heads_, max_positions_;
  layers::Activation act_;
  Tensor word_embeddings_, position_embeddings_;
  LayerNorm embeddings_norm_, vocab_norm_;
  std::vector<DistilBertLayer> layers_;
  Linear pre_classifier_, classifier_;
};

}  // namespace

std::unique_ptr<EncoderModel> load_distilbert(const ModelConfig& config, WeightSource& weights,
                                              EncoderTask task) {
  return std::make_unique<DistilBertModel>(config, weights, task);
}

}  // namespace hfcpp::models
