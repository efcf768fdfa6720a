// One layer of a KIVI-style quantized KV cache (int8 or int4, asymmetric min/scale):
//   keys   per channel: a group of `group_size` positions shares one (min, scale) per channel,
//   values per token:   each position's channels in groups of `group_size` (at most head_dim).
// The newest positions stay in f32 (at least `residual_length` of them); whenever the f32 tail
// holds residual_length + group_size positions, its oldest group_size positions are quantized.
// Attention reads a dequantized copy built per step (the cache trades time for memory).
#pragma once

#include <cstdint>
#include <vector>

#include "models/kv_cache/dense_layer.h"

namespace hfcpp::models {

class QuantizedKvLayer {
 public:
  QuantizedKvLayer(KvLayerSpec spec, int64_t batch, int bits, int64_t group_size, int64_t residual_length);

  int64_t length() const { return quantized_positions() + residual_.length(); }
  int64_t batch() const { return residual_.batch(); }
  // Quantized groups and the f32 tail (the per-step dequantized scratch is transient working memory).
  int64_t memory_bytes() const;
  void make_room(int64_t new_tokens) { residual_.make_room(new_tokens); }
  KvLayerView append(const Tensor& keys, const Tensor& values);
  void reorder(const std::vector<int64_t>& indices);
  void crop(int64_t length);
  void reset(int64_t batch);

 private:
  struct Group {
    std::vector<uint8_t> key_codes, value_codes;  // [B, H, G, D] codes, packed for int4
    std::vector<float> key_min, key_scale;        // [B, H, D]
    std::vector<float> value_min, value_scale;    // [B, H, G, D / value_group]
  };
  int64_t quantized_positions() const { return static_cast<int64_t>(groups_.size()) * group_; }
  void quantize_oldest_group();
  // Dequantized groups followed by the f32 tail, in the scratch buffers: [B, H, length, D].
  KvLayerView materialize();

  KvLayerSpec spec_;
  int bits_;
  int64_t group_, value_group_, residual_length_;
  std::vector<Group> groups_;
  DenseKvLayer residual_;
  Tensor scratch_k_, scratch_v_;
};

}  // namespace hfcpp::models
