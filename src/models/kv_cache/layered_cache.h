// The model side of the caller-owned KV cache: every decoder asks the cache for one layer at a time
// to append the new keys/values and hand back what attention must read. Internal to hfcpp_models.
//
// Keys and values are f32 or f16 [B, Hkv, positions, D]. A cache may keep fewer positions than it has
// seen (sliding-window layers drop the oldest ones), so each layer view says at which absolute
// position its first key sits; the attention mask is sliced to match.
#pragma once

#include <memory>
#include <vector>

#include "hfcpp/models/causal_lm.h"

namespace hfcpp::models {

struct KvLayerSpec {
  int64_t n_kv_heads;
  int64_t head_dim;
  int64_t window = 0;  // sliding-window attention span; 0 = full attention
};

struct KvLayerView {
  Tensor keys, values;         // [B, Hkv, Lk, D] f32 or f16 (views into the cache's buffers)
  int64_t first_position = 0;  // absolute position of keys[:, :, 0]
};

class LayeredKvCache : public KvCache {
 public:
  // Before the first layer of a forward: checks the batch and the room for `new_tokens` (a static
  // cache throws here, before anything changes) and makes that room.
  virtual void begin_step(int64_t batch, int64_t new_tokens) = 0;
  // keys/values [B, Hkv, T, D] (any strides with unit last stride): appended to `layer`.
  virtual KvLayerView append(int64_t layer, const Tensor& keys, const Tensor& values) = 0;
  // After the last layer: the T new positions count as seen.
  virtual void end_step(int64_t new_tokens) = 0;
  virtual const std::vector<KvLayerSpec>& layer_specs() const = 0;
};

// model_dtype: the dense buffers' dtype when options.dtype is nullopt (the model's choice).
std::unique_ptr<KvCache> make_layered_kv_cache(const std::vector<KvLayerSpec>& layers, const KvCacheOptions& options,
                                               tensor::DType model_dtype = tensor::DType::F32);

// The cache a model was handed, as the layered interface; InvalidArgument if it was made elsewhere
// or for a model with a different layer layout.
LayeredKvCache& as_layered_cache(KvCache& cache, const std::vector<KvLayerSpec>& expected, const char* component);

}  // namespace hfcpp::models
