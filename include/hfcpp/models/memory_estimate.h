// Memory needed to run a model, from config.json alone: parameter count by the architecture's
// standard formula (BERT family, DistilBERT, Llama-style decoders), weight bytes at a dtype,
// activations of one forward pass at batch x sequence, and the KV cache of decoders. When the
// folder has safetensors weights, their header's parameter count is reported beside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hfcpp/models/config.h"

namespace hfcpp::models {

struct MemoryEstimate {
  std::string model_type, architecture, dtype_name;
  int64_t parameters = 0;
  int64_t bytes_per_param = 4;
  int64_t weights_bytes = 0;
  int64_t activations_bytes = 0;  // peak working set of one layer's forward + the head's logits
  int64_t kv_cache_bytes = 0;     // decoders: 2 * layers * kv_heads * head_dim * seq * batch * 4 (f32 cache)
  int64_t kv_cache_sliding_bytes = 0;  // the same with --cache sliding (sliding layers hold <= 2 windows)
  int64_t total_bytes = 0;
  bool decoder = false;
  // From the safetensors header(s), when present.
  std::optional<int64_t> safetensors_parameters;
  std::optional<int64_t> safetensors_bytes;
};

// dtype: "auto" (config's torch_dtype, else f32), "f32", "bf16", "f16".
MemoryEstimate estimate_memory(const ModelConfig& config, int64_t batch, int64_t seq_len, const std::string& dtype);
// Resolves the folder, reads config.json and cross-checks with *.safetensors headers there.
MemoryEstimate estimate_memory_for(const std::string& path_or_repo_id, int64_t batch, int64_t seq_len,
                                   const std::string& dtype);

}  // namespace hfcpp::models
