// One layer's keys and values in f32 or f16 buffers [B, Hkv, capacity, D]: positions are appended in
// place; capacity doubles when growable (never a concat of the whole cache per step), is fixed
// for a static cache, and a sliding-window layer drops its oldest positions once they can no
// longer be attended to (amortised: the buffer holds 2 windows, so a shift happens once a window).
#pragma once

#include <vector>

#include "models/kv_cache/layered_cache.h"

namespace hfcpp::models {

class DenseKvLayer {
 public:
  enum class Growth { Doubling, Fixed };
  // growth_limit > 0 (Doubling): the expected final length (prompt + new tokens); doubling stops
  // there, so the buffers end at that length instead of up to twice it (grown further if needed).
  // storage: F32, or F16 (keys and values rounded on the way in, half the bytes to read).
  DenseKvLayer(KvLayerSpec spec, int64_t batch, Growth growth, int64_t capacity, bool trim_to_window,
               int64_t growth_limit = 0, tensor::DType storage = tensor::DType::F32);

  int64_t length() const { return len_; }  // positions held
  int64_t first_position() const { return first_; }
  int64_t batch() const { return batch_; }
  int64_t capacity() const { return cap_; }
  int64_t memory_bytes() const { return static_cast<int64_t>(k_.nbytes() + v_.nbytes()); }
  // Throws (before changing anything) when a fixed buffer cannot take `new_tokens` more positions.
  void check_room(int64_t new_tokens) const;
  void make_room(int64_t new_tokens);
  // Growable, untrimmed layers: room for `length` positions in all (see KvCache::reserve).
  void reserve(int64_t length);
  KvLayerView append(const Tensor& keys, const Tensor& values);
  KvLayerView view() const;
  void reorder(const std::vector<int64_t>& indices);
  // Keeps the positions before absolute position `length`.
  void crop(int64_t length);
  void reset(int64_t batch);
  // Removes the oldest n positions (the quantized cache moves them into its quantized store).
  void drop_front(int64_t n);

 private:
  void reallocate(int64_t batch, int64_t capacity);
  KvLayerSpec spec_;
  Growth growth_;
  bool trim_;
  int64_t batch_, cap_, len_ = 0, first_ = 0, growth_limit_ = 0, initial_cap_ = 0;
  tensor::DType storage_ = tensor::DType::F32;
  Tensor k_, v_;
};

}  // namespace hfcpp::models
