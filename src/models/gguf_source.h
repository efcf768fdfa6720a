// GGUF files as a model source: the config.json transformers derives from GGUF metadata, and the
// tensors under their Hugging Face names (llama.cpp's names mapped back, Q/K rows un-permuted,
// block types dequantized), so the same architecture code loads a folder or a .gguf file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/formats/gguf.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/config.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

// A ".gguf" path, or a regular file that starts with the GGUF magic.
bool is_gguf_path(const std::string& path);

// The GGUF file a MODEL argument names: a .gguf path, or a folder / cached Hub repo id without
// config.json holding exactly one .gguf file. nullopt otherwise (a regular model folder).
std::optional<std::string> find_gguf_model(const std::string& path_or_repo_id);

// load_causal_lm for a GGUF file: config_from_gguf + WeightSource::open_gguf + the registry.
std::unique_ptr<CausalLM> load_causal_lm_gguf(const std::string& gguf_path, const LoadOptions& options);

// The config.json transformers builds when loading this file (load_gguf_checkpoint): model_type,
// architectures, sizes, rope_theta, rms_norm_eps, vocab_size (from tokenizer.ggml.tokens when
// <arch>.vocab_size is absent), tie_word_embeddings (no output.weight), bos/eos token ids.
// Unsupported for architectures hfcpp cannot map yet (today: llama, qwen2, qwen3, gemma3).
ModelConfig config_from_gguf(const formats::GgufFile& file);

// The Hugging Face name of a llama.cpp tensor name ("blk.3.attn_q.weight" ->
// "model.layers.3.self_attn.q_proj.weight"); nullopt for names without an equivalent.
// `arch` (general.architecture) picks the names that differ by family (Gemma's norms).
std::optional<std::string> hf_name_of_gguf_tensor(std::string_view gguf_name, std::string_view arch = "llama");

// The tensors of a GGUF file under their Hugging Face names.
class GgufWeights {
 public:
  // Throws Unsupported for an architecture whose names are not mapped.
  explicit GgufWeights(formats::GgufFile file);

  const formats::GgufFile& file() const { return file_; }
  bool contains(std::string_view hf_name) const { return by_hf_name_.find(hf_name) != by_hf_name_.end(); }
  tensor::Shape shape(std::string_view hf_name) const;  // row-major, as the HF checkpoint has it
  std::vector<std::string> names() const;              // HF names, sorted
  // The weight as the HF checkpoint holds it: plain types borrowed from the mapping when no
  // change is needed, block types dequantized to f32, llama's Q/K rows un-permuted; then
  // converted to `dtype` (F32, F16 or BF16) when it differs.
  tensor::Tensor load(std::string_view hf_name, std::optional<tensor::DType> dtype) const;
  // A 2-d block-quantized weight borrowed from the mapping when quant::linear multiplies by its
  // type (F32/F16/BF16 and types without a matmul path: nullopt, load() them instead). q/k rows
  // stay in llama.cpp's order; interleaved_heads says so.
  std::optional<QuantizedWeight> load_quantized(std::string_view hf_name) const;

 private:
  int64_t permuted_heads(std::string_view hf_name) const;  // 0: rows in HF order
  formats::GgufFile file_;
  std::map<std::string, std::string, std::less<>> by_hf_name_;  // HF name -> GGUF name
  int64_t heads_ = 0, kv_heads_ = 0;
  bool unpermute_qk_ = false;
  bool shifted_norms_ = false;  // Gemma: RMSNorm weights stored as 1 + w
};

// WeightSource::get_optional's GGUF branch: shape check (recorded in problems) and load.
std::optional<tensor::Tensor> gguf_weight(const GgufWeights& weights, const std::string& hf_name,
                                          const tensor::Shape& expected, WeightKind kind,
                                          std::optional<tensor::DType> weight_dtype,
                                          std::vector<std::string>& problems);

}  // namespace hfcpp::models
