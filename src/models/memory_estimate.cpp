#include "hfcpp/models/memory_estimate.h"

#include <algorithm>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/models/auto_model.h"

namespace hfcpp::models {

namespace fs = std::filesystem;

namespace {

int64_t linear(int64_t in, int64_t out, bool bias = true) { return in * out + (bias ? out : 0); }

std::string first_architecture(const ModelConfig& c) {
  auto a = c.architectures();
  return a.empty() ? std::string() : a[0];
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::string t(suffix);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// BERT / RoBERTa / XLM-R: embeddings, layers, and the head the architecture names.
// Parameters of the task head named by the architecture class (same shapes for the BERT family
// and DistilBERT: BERT's pooler + classifier and RoBERTa's dense + out_proj are both h*h + h*labels).
int64_t head_parameters(const std::string& arch, int64_t h, int64_t vocab, int64_t labels, bool base_has_pooler,
                        int64_t& logits_width) {
  if (ends_with(arch, "ForMaskedLM")) {
    logits_width = vocab;
    return linear(h, h) + 2 * h + vocab;  // transform + LayerNorm + decoder bias (weight tied)
  }
  if (ends_with(arch, "ForSequenceClassification")) {
    logits_width = labels;
    return linear(h, h) + linear(h, labels);
  }
  if (ends_with(arch, "ForTokenClassification")) {
    logits_width = labels;
    return linear(h, labels);
  }
  if (ends_with(arch, "ForQuestionAnswering")) {
    logits_width = 2;
    return linear(h, 2);
  }
  return base_has_pooler ? linear(h, h) : 0;
}

void bert_family(const ModelConfig& c, MemoryEstimate& e, int64_t batch, int64_t seq, int64_t& logits_width) {
  const int64_t h = c.get_dim("hidden_size"), layers = c.get_dim("num_hidden_layers");
  const int64_t inter = c.get_dim("intermediate_size"), vocab = c.get_dim("vocab_size");
  const int64_t pos = c.get_dim("max_position_embeddings", 512, int64_t{1} << 24);
  const int64_t types = c.get_int("type_vocab_size", 2);
  const int64_t labels = static_cast<int64_t>(c.labels().size());
  int64_t p = vocab * h + pos * h + types * h + 2 * h;
  p += layers * (4 * linear(h, h) + 2 * h + linear(h, inter) + linear(inter, h) + 2 * h);
  const std::string arch = e.architecture;
  logits_width = h;
  p += head_parameters(arch, h, vocab, labels, /*base_has_pooler=*/true, logits_width);
  e.parameters = p;
  const int64_t heads = c.get_dim("num_attention_heads");
  e.activations_bytes = (batch * seq * (4 * h + inter) + batch * heads * seq * seq) * 4;
  (void)layers;
}

void distilbert(const ModelConfig& c, MemoryEstimate& e, int64_t batch, int64_t seq, int64_t& logits_width) {
  const int64_t h = c.get_dim("dim", 768, int64_t{1} << 24), layers = c.get_dim("n_layers", 6, 4096);
  const int64_t inter = c.get_dim("hidden_dim", 3072, int64_t{1} << 24), vocab = c.get_dim("vocab_size");
  const int64_t pos = c.get_dim("max_position_embeddings", 512, int64_t{1} << 24);
  const int64_t labels = static_cast<int64_t>(c.labels().size());
  int64_t p = vocab * h + pos * h + 2 * h;
  p += layers * (4 * linear(h, h) + 2 * h + linear(h, inter) + linear(inter, h) + 2 * h);
  logits_width = h;
  const std::string arch = e.architecture;
  p += head_parameters(arch, h, vocab, labels, /*base_has_pooler=*/false, logits_width);
  e.parameters = p;
  const int64_t heads = c.get_dim("n_heads", 12, 4096);
  e.activations_bytes = (batch * seq * (4 * h + inter) + batch * heads * seq * seq) * 4;
}

// Llama-style decoders (llama, mistral, qwen2, ...): GQA attention, SwiGLU MLP, RMSNorm.
void llama_like(const ModelConfig& c, MemoryEstimate& e, int64_t batch, int64_t seq, int64_t& logits_width) {
  const int64_t h = c.get_dim("hidden_size"), layers = c.get_dim("num_hidden_layers");
  const int64_t inter = c.get_dim("intermediate_size"), vocab = c.get_dim("vocab_size");
  const int64_t heads = c.get_dim("num_attention_heads");
  const int64_t kv_heads = c.get_dim("num_key_value_heads", heads, 1 << 16);
  const int64_t head_dim = c.get_dim("head_dim", h / heads, 1 << 16);
  const bool attn_bias = c.get_bool("attention_bias", c.model_type() == "qwen2");
  const bool mlp_bias = c.get_bool("mlp_bias", false);
  int64_t p = vocab * h;
  p += layers * (linear(h, heads * head_dim, attn_bias) + 2 * linear(h, kv_heads * head_dim, attn_bias) +
                 linear(heads * head_dim, h, c.model_type() == "qwen2" ? false : attn_bias) +
                 2 * linear(h, inter, mlp_bias) + linear(inter, h, mlp_bias) + 2 * h);
  p += h;  // final norm
  if (!c.get_bool("tie_word_embeddings", false)) p += vocab * h;
  e.parameters = p;
  e.decoder = true;
  e.kv_cache_bytes = 2 * layers * kv_heads * head_dim * seq * batch * e.bytes_per_param;
  logits_width = vocab;
  e.activations_bytes = (batch * seq * (4 * h + 2 * inter) + batch * heads * seq * seq) * 4;
}

}  // namespace

MemoryEstimate estimate_memory(const ModelConfig& c, int64_t batch, int64_t seq, const std::string& dtype) {
  HFCPP_CHECK(batch >= 1 && seq >= 1 && batch <= (1 << 20) && seq <= (1 << 24), ErrorCode::InvalidArgument,
              "[estimate-memory] batch {} / seq-len {}: expected positive sizes", batch, seq);
  MemoryEstimate e;
  e.model_type = c.model_type();
  e.architecture = first_architecture(c);
  std::optional<tensor::DType> dt = parse_dtype_option(dtype);
  if (!dt) dt = c.torch_dtype();
  e.dtype_name = dt ? std::string(tensor::dtype_name(*dt)) : "f32";
  e.bytes_per_param = dt ? static_cast<int64_t>(tensor::dtype_size(*dt)) : 4;
  int64_t logits_width = 0;
  const std::string t = e.model_type;
  if (t == "bert" || t == "roberta" || t == "xlm-roberta" || t == "camembert" || t == "electra")
    bert_family(c, e, batch, seq, logits_width);
  else if (t == "distilbert")
    distilbert(c, e, batch, seq, logits_width);
  else if (t == "llama" || t == "mistral" || t == "qwen2" || t == "qwen3" || t == "gemma" || t == "smollm")
    llama_like(c, e, batch, seq, logits_width);
  else
    HFCPP_THROW(ErrorCode::Unsupported,
                "[estimate-memory] {}: model_type '{}' has no parameter formula (supported: bert, roberta, xlm-roberta, "
                "distilbert, llama, mistral, qwen2, qwen3, gemma)",
                c.source(), t);
  e.activations_bytes += batch * seq * logits_width * 4;
  e.weights_bytes = e.parameters * e.bytes_per_param;
  e.total_bytes = e.weights_bytes + e.activations_bytes + e.kv_cache_bytes;
  return e;
}

MemoryEstimate estimate_memory_for(const std::string& path, int64_t batch, int64_t seq, const std::string& dtype) {
  const std::string folder = resolve_model_folder(path);
  ModelConfig c = ModelConfig::from_file((fs::path(folder) / "config.json").string());
  MemoryEstimate e = estimate_memory(c, batch, seq, dtype);
  int64_t params = 0, bytes = 0;
  bool any = false;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".safetensors") continue;
    auto file = formats::SafetensorsFile::open(entry.path().string());
    for (const auto& t : file.tensors()) {
      params += t.numel();
      bytes += static_cast<int64_t>(t.nbytes());
    }
    any = true;
  }
  if (any) {
    e.safetensors_parameters = params;
    e.safetensors_bytes = bytes;
  }
  return e;
}

}  // namespace hfcpp::models
