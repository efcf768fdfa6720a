#include "hfcpp/models/memory_estimate.h"

#include <algorithm>
#include <filesystem>
#include <vector>

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

// Decoder-only LMs (llama, mistral, qwen2/3, gemma 1/2/3, phi3 as in src/models/llama.cpp,
// gemma.cpp, phi3.cpp; gpt2): parameters by layer shapes with each architecture's defaults
// (head_dim, biases, norms, tied embeddings); KV cache in f32 (hfcpp's caches), sliding-window
// layers counted at their window for --cache sliding.
bool is_decoder_type(const std::string& t) {
  return t == "llama" || t == "mistral" || t == "qwen2" || t == "qwen3" || t == "gemma" || t == "gemma2" ||
         t == "gemma3_text" || t == "phi3" || t == "gpt2" || t == "smollm";
}

std::vector<int64_t> decoder_layer_windows(const ModelConfig& c, const std::string& t, int64_t layers) {
  std::vector<int64_t> windows(layers, 0);
  int64_t window = 0;
  std::vector<bool> sliding(layers, false);
  if (t == "mistral" || t == "phi3") {
    window = c.get_int("sliding_window", t == "mistral" ? 4096 : 0);
    sliding.assign(layers, true);
  } else if (t == "qwen2" || t == "qwen3") {
    window = c.get_bool("use_sliding_window", false) ? c.get_int("sliding_window", 4096) : 0;
    for (int64_t i = 0; i < layers; ++i) sliding[i] = i >= c.get_int("max_window_layers", 28);
  } else if (t == "gemma2" || t == "gemma3_text") {
    window = c.get_int("sliding_window", 4096);
    const int64_t pattern = t == "gemma2" ? 2 : c.get_int("sliding_window_pattern", 6);
    for (int64_t i = 0; i < layers; ++i) sliding[i] = pattern > 0 && (i + 1) % pattern != 0;
  }
  const auto& json = c.json();
  auto it = json.find("layer_types");
  if (it != json.end() && it->is_array() && static_cast<int64_t>(it->size()) == layers)
    for (int64_t i = 0; i < layers; ++i)
      sliding[i] = (*it)[i].is_string() && (*it)[i].get<std::string>() == "sliding_attention";
  for (int64_t i = 0; i < layers; ++i) windows[i] = sliding[i] ? window : 0;
  return windows;
}

void decoder_lm(const ModelConfig& c, MemoryEstimate& e, int64_t batch, int64_t seq, int64_t& logits_width) {
  const std::string t = c.model_type();
  const bool gpt2 = t == "gpt2";
  const bool gemma = t == "gemma" || t == "gemma2" || t == "gemma3_text";
  const int64_t h = gpt2 ? c.get_dim("n_embd", 768, 1 << 17) : c.get_dim("hidden_size");
  const int64_t layers = gpt2 ? c.get_dim("n_layer", 12, 4096) : c.get_dim("num_hidden_layers");
  const int64_t heads = gpt2 ? c.get_dim("n_head", 12, 4096) : c.get_dim("num_attention_heads");
  const int64_t vocab = c.get_dim("vocab_size");
  const int64_t inter = gpt2 ? c.get_dim("n_inner", 4 * h, 1 << 20) : c.get_dim("intermediate_size");
  const int64_t kv_heads = gpt2 ? heads : c.get_dim("num_key_value_heads", heads, 1 << 16);
  const int64_t default_head_dim = gemma ? 256 : t == "qwen3" ? 128 : h / heads;
  const int64_t head_dim = gpt2 ? h / heads : c.get_dim("head_dim", default_head_dim, 1 << 16);
  const bool attn_bias = t == "qwen2" || c.get_bool("attention_bias", false);
  const bool o_bias = t != "qwen2" && attn_bias;
  const bool mlp_bias = c.get_bool("mlp_bias", false);
  const int64_t q = heads * head_dim, kv = kv_heads * head_dim;
  int64_t p = vocab * h;
  if (gpt2) {
    p += c.get_dim("n_positions", 1024, int64_t{1} << 24) * h;
    p += layers * (4 * h + linear(h, 3 * h) + linear(h, h) + linear(h, inter) + linear(inter, h)) + 2 * h;
  } else {
    int64_t norms = (t == "gemma2" || t == "gemma3_text") ? 4 * h : 2 * h;
    if (t == "qwen3" || t == "gemma3_text") norms += 2 * head_dim;
    p += layers * (linear(h, q, attn_bias) + 2 * linear(h, kv, attn_bias) + linear(q, h, o_bias) +
                   2 * linear(h, inter, mlp_bias) + linear(inter, h, mlp_bias) + norms);
    p += h;  // final norm
  }
  if (!c.get_bool("tie_word_embeddings", gemma || gpt2)) p += vocab * h;
  e.parameters = p;
  e.decoder = true;
  // hfcpp keeps keys and values in f32 whatever the weights' dtype.
  const int64_t per_position = 2 * kv * batch * 4;
  e.kv_cache_bytes = layers * seq * per_position;
  e.kv_cache_sliding_bytes = 0;
  for (int64_t w : decoder_layer_windows(c, t, layers))
    e.kv_cache_sliding_bytes += (w > 0 ? std::min(seq, 2 * w) : seq) * per_position;
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
  else if (is_decoder_type(t))
    decoder_lm(c, e, batch, seq, logits_width);
  else
    HFCPP_THROW(ErrorCode::Unsupported,
                "[estimate-memory] {}: model_type '{}' has no parameter formula (supported: bert, roberta, "
                "xlm-roberta, distilbert, llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text, phi3, gpt2)",
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
