// Decoder-only language models (transformers' *ForCausalLM) and the KV cache, which the caller
// owns (generation, serve) so one const model serves many requests at once.
//
//   auto lm = load_causal_lm("HuggingFaceTB/SmolLM2-135M-Instruct");
//   auto cache = lm->make_cache({.batch = 1});
//   auto out = lm->forward({.input_ids = ids}, *cache);   // prefill; then one token at a time
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/config.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models {

using tensor::Tensor;

enum class KvCacheKind {
  Dynamic,        // grows with every step (transformers' DynamicCache), the default
  Static,         // preallocated to max_length (StaticCache)
  SlidingWindow,  // keeps the last `window` positions of window layers (sliding-window models)
  QuantizedInt8,  // KIVI: keys quantized per channel, values per token; recent tokens kept in f32
  QuantizedInt4,
};
// "dynamic", "static", "sliding", "int8", "int4" (the CLI's --cache); throws Usage otherwise.
KvCacheKind parse_kv_cache_kind(const std::string& name);

struct KvCacheOptions {
  KvCacheKind kind = KvCacheKind::Dynamic;
  int64_t batch = 1;
  // Static: capacity in positions (prompt + new tokens); required. Dynamic and sliding: the
  // expected final length, where buffer doubling stops (0: no limit; more still fits).
  int64_t max_length = 0;
  int64_t residual_length = 128;  // quantized: newest positions kept unquantized (transformers' default)
  int64_t group_size = 64;        // quantized: elements per quantization group
  // Element type of the dynamic/static/sliding buffers: F32 or F16 (llama.cpp's default: half the
  // bytes for decode attention to read, keys and values rounded to f16). nullopt: the model's
  // choice, F16 when its matmul weights are GGUF block-quantized (--dtype quantized), else F32
  // (f32/bf16 runs keep transformers' f32 cache). The quantized kinds keep their recent window in f32.
  std::optional<tensor::DType> dtype{};
};
// "auto", "f32"/"float32", "f16"/"float16" (the CLI's --cache-dtype); throws Usage otherwise.
std::optional<tensor::DType> parse_kv_cache_dtype(const std::string& name);

// Keys and values of the positions seen so far, for every layer.
class KvCache {
 public:
  virtual ~KvCache() = default;
  virtual int64_t length() const = 0;  // positions seen so far (the "past" length)
  virtual int64_t batch() const = 0;
  // Beam search: row i of the cache becomes old row indices[i] (indices.size() may differ from batch()).
  virtual void reorder(const std::vector<int64_t>& indices) = 0;
  // Prefix reuse across chat turns: keep the first `length` positions, drop the rest.
  virtual void crop(int64_t length) = 0;
  virtual void reset() = 0;
  // A hint that `length` positions in all are coming (a chunked prefill knows the whole prompt):
  // growable caches make that room now, in one allocation per layer, instead of doubling
  // chunk by chunk. Others ignore it.
  virtual void reserve(int64_t /*length*/) {}
  // Bytes the cache holds now (buffers as allocated, quantized codes and scales).
  virtual int64_t memory_bytes() const { return 0; }
};

struct CausalLMBatch {
  Tensor input_ids{};  // [B, T] I64: the new tokens only (those not yet in the cache)
  // [B, past + T]: nonzero = real token, 0 = padding (batched prompts are left-padded).
  // Undefined = all ones.
  Tensor attention_mask{};
  // [B, T] I64. Undefined = derived from attention_mask the way generate() does:
  // cumsum(mask) - 1, with padding positions set to 1.
  Tensor position_ids{};
  bool last_token_logits_only = false;  // generation only needs the last position's logits
  bool output_hidden_states = false;
};

struct CausalLMOutput {
  Tensor logits;                      // [B, T, vocab] f32 ([B, 1, vocab] when last_token_logits_only)
  std::vector<Tensor> hidden_states;  // embeddings + each layer's output, when asked
};

class CausalLM {
 public:
  virtual ~CausalLM() = default;
  // Runs the new tokens, appending their keys/values to `cache` (which must come from make_cache).
  virtual CausalLMOutput forward(const CausalLMBatch& batch, KvCache& cache) const = 0;
  virtual std::unique_ptr<KvCache> make_cache(const KvCacheOptions& options) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t max_positions() const = 0;  // max_position_embeddings
  const ModelConfig& config() const { return config_; }

 protected:
  ModelConfig config_;
};

// Prompt tokens one forward pass runs at most, across the batch, unless told otherwise. 128, not
// llama.cpp's n_ubatch of 512: a chunk's MLP activations then stay near the L2 cache, and on
// SmolLM2-135M a 512-token prefill was faster (f32 1.59-1.71 s against 1.79-1.84 s; Q4_1 2.6 s
// against 3.2 s) with 7-15 MB less peak RSS.
inline constexpr int64_t kDefaultPrefillChunkTokens = 128;

// forward() in chunks of positions so that no pass runs more than max_tokens tokens in total
// across the batch (at least one position per pass): a long or wide prompt then holds one
// chunk's activations instead of the whole prompt's. Each chunk appends to `cache` with the
// positions and mask columns it would have had in one pass, so the result equals forward()'s
// within float rounding (a quantized cache differs slightly: earlier chunks attend to keys not
// yet quantized). Logits and hidden states are concatenated along positions; with
// last_token_logits_only only the last chunk's are kept. max_tokens 0: one pass. On failure the
// cache is cropped back to its length at the call.
CausalLMOutput forward_chunked(const CausalLM& model, const CausalLMBatch& batch, KvCache& cache,
                               int64_t max_tokens = kDefaultPrefillChunkTokens);

// A model folder, a Hub cache repo id, or (once GGUF lands) a .gguf file -> the registered
// *ForCausalLM architecture for config.json's model_type.
std::unique_ptr<CausalLM> load_causal_lm(const std::string& path_or_repo_id, const LoadOptions& options = {});

}  // namespace hfcpp::models
