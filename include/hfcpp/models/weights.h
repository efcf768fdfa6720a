// Weights looked up by their Hugging Face checkpoint names through a prefix builder:
//   w.sub("encoder.layer").sub(i).get("attention.self.query.weight", {hidden, hidden})
// Shapes are checked on load; every missing or mis-shaped tensor is collected and reported in
// one error by check_complete(). Matmul weights are borrowed from the mmap when their dtype is
// the one requested (zero copy); small parameters (norms, biases) are converted to f32.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/formats/sharded_safetensors.h"
#include "hfcpp/quant/quant.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models {

using tensor::DType;
using tensor::Shape;
using tensor::Tensor;

class GgufWeights;  // a .gguf file's tensors under HF names (src/models/gguf_source.h)

enum class WeightKind {
  Matmul,  // large matrices and embedding tables: kept in the weight dtype
  Param,   // norms, biases, small vectors: always f32
};

// A block-quantized matrix as a GGUF file stores it (borrowed from the mapping, no copy).
// interleaved_heads > 0: its rows are in llama.cpp's interleaved rotary order for that many heads
// (convert_hf_to_gguf.py's permute of q/k); the layer moves its outputs back to Hugging Face order.
struct QuantizedWeight {
  quant::QuantizedTensor tensor;
  int64_t interleaved_heads = 0;
};

class WeightSource {
 public:
  // weight_dtype: the dtype for Matmul weights; nullopt keeps each tensor's own dtype.
  static WeightSource open(const std::string& path, std::optional<DType> weight_dtype = std::nullopt);
  // A .gguf file: llama.cpp's tensor names answer to their HF names, block types dequantized.
  // keep_quantized (with weight_dtype nullopt): get_quantized() hands out the block-quantized weights.
  static WeightSource open_gguf(const std::string& path, std::optional<DType> weight_dtype = std::nullopt,
                                bool keep_quantized = false);

  // The base model's prefix ("bert", "roberta"): names are tried with and without it, since a
  // base model saved alone has no prefix and a head checkpoint loaded as base model has one.
  void set_base_model_prefix(std::string prefix);

  WeightSource sub(std::string_view prefix) const;
  WeightSource sub(int64_t index) const;

  bool has(std::string_view name) const;
  // Returns the tensor, or records it as missing / mis-shaped and returns an undefined tensor.
  Tensor get(std::string_view name, const Shape& expected, WeightKind kind = WeightKind::Matmul) const;
  // nullopt (and nothing recorded) when absent.
  std::optional<Tensor> get_optional(std::string_view name, const Shape& expected,
                                     WeightKind kind = WeightKind::Matmul) const;

  // The weight kept block-quantized when the source is a GGUF file opened with keep_quantized
  // and weight_dtype nullopt (auto), and quant::linear multiplies by its type; nullopt otherwise (nothing recorded:
  // get() then loads it dequantized and reports a missing or mis-shaped tensor).
  std::optional<QuantizedWeight> get_quantized(std::string_view name, const Shape& expected) const;

  // Throws one Format error listing every missing or mis-shaped tensor. Logs unused tensors.
  void check_complete() const;

  const std::string& prefix() const { return prefix_; }
  // A .gguf file: matrices are stored [out, in] even where the checkpoint had a Conv1D's [in, out].
  bool is_gguf() const { return state_->gguf != nullptr; }
  // A .gguf file whose tensors are used in the file's own types (--dtype quantized): F16 and F32
  // tensors as stored, block types through quant::linear.
  bool keeps_file_types() const { return state_->gguf != nullptr && state_->keep_quantized && !state_->weight_dtype; }
  std::vector<std::string> unused_names() const;

 private:
  struct State {
    formats::ShardedSafetensors checkpoint;
    std::optional<DType> weight_dtype;
    std::string base_prefix;
    std::vector<std::string> problems;
    std::set<std::string, std::less<>> used;
    std::shared_ptr<const GgufWeights> gguf;  // set instead of checkpoint for .gguf files
    bool keep_quantized = false;
  };
  std::optional<std::string> resolve(std::string_view full) const;
  std::shared_ptr<State> state_;
  std::string prefix_;
};

}  // namespace hfcpp::models
