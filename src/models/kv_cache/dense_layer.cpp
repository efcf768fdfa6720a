#include "models/kv_cache/dense_layer.h"

#include <algorithm>
#include <cstring>

#include "hfcpp/core/error.h"

namespace hfcpp::models {

using tensor::DType;

namespace {

// Copies src [B, H, T, D] (unit last stride) into slots [at, at + T) of dst [B, H, cap, D].
void copy_positions(const Tensor& src, Tensor& dst, int64_t at) {
  const Tensor s = src.strides()[3] == 1 && src.dtype() == DType::F32 ? src : src.to(DType::F32).contiguous();
  const int64_t B = s.size(0), H = s.size(1), T = s.size(2), D = s.size(3), cap = dst.size(2);
  const float* ps = s.data<float>();
  float* pd = dst.mutable_data<float>();
  const auto& st = s.strides();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t)
        std::memcpy(pd + ((b * H + h) * cap + at + t) * D, ps + b * st[0] + h * st[1] + t * st[2],
                    static_cast<size_t>(D) * sizeof(float));
}

// Moves slots [from, from + n) to [to, to + n) in every row of buf [B, H, cap, D].
void move_positions(Tensor& buf, int64_t from, int64_t to, int64_t n) {
  const int64_t rows = buf.size(0) * buf.size(1), cap = buf.size(2), D = buf.size(3);
  float* p = buf.mutable_data<float>();
  for (int64_t r = 0; r < rows; ++r)
    std::memmove(p + (r * cap + to) * D, p + (r * cap + from) * D, static_cast<size_t>(n * D) * sizeof(float));
}

}  // namespace

DenseKvLayer::DenseKvLayer(KvLayerSpec spec, int64_t batch, Growth growth, int64_t capacity, bool trim_to_window,
                           int64_t growth_limit)
    : spec_(spec), growth_(growth), trim_(trim_to_window && spec.window > 0), batch_(batch), cap_(0),
      growth_limit_(growth_limit) {
  if (growth_limit_ > 0) capacity = std::min(capacity, growth_limit_);
  // A sliding layer never needs more than two windows (plus a long prompt's chunk, see make_room).
  if (trim_) capacity = std::max<int64_t>(std::min(capacity, 2 * spec.window), 2);
  // Growable buffers come with the first positions, at the size those need (a whole reserved
  // prompt): a small first buffer replaced at once would only leave a hole in the heap.
  initial_cap_ = capacity;
  reallocate(batch, growth_ == Growth::Doubling ? 0 : capacity);
}

void DenseKvLayer::reallocate(int64_t batch, int64_t capacity) {
  Tensor k = Tensor::empty({batch, spec_.n_kv_heads, capacity, spec_.head_dim}, DType::F32);
  Tensor v = Tensor::empty({batch, spec_.n_kv_heads, capacity, spec_.head_dim}, DType::F32);
  if (len_ > 0 && batch == batch_) {
    copy_positions(k_.narrow(2, 0, len_), k, 0);
    copy_positions(v_.narrow(2, 0, len_), v, 0);
  }
  k_ = std::move(k);
  v_ = std::move(v);
  batch_ = batch;
  cap_ = capacity;
}

void DenseKvLayer::check_room(int64_t new_tokens) const {
  if (growth_ != Growth::Fixed) return;
  const int64_t kept = trim_ ? std::min(len_, spec_.window - 1) : len_;
  HFCPP_CHECK(kept + new_tokens <= cap_, ErrorCode::InvalidArgument,
              "[kv_cache] static cache is full: {} cached + {} new positions exceed max_length {} "
              "(make the cache with a larger max_length)",
              first_ + len_, new_tokens, cap_);
}

void DenseKvLayer::make_room(int64_t new_tokens) {
  check_room(new_tokens);
  if (trim_ && len_ + new_tokens > cap_) {
    // The next query sits at first_ + len_ and sees window - 1 earlier positions: older ones go.
    const int64_t keep = std::min(len_, spec_.window - 1), drop = len_ - keep;
    if (drop > 0) drop_front(drop);
  }
  if (len_ + new_tokens > cap_) {
    int64_t grown = std::max<int64_t>(2 * cap_, std::max<int64_t>(initial_cap_, 16));
    // Past the expected length, plain doubling again (no reallocation per step).
    if (growth_limit_ >= len_ + new_tokens) {
      grown = std::min(grown, growth_limit_);
      // Within a factor 2 of the expected length, go there at once: one reallocation fewer for
      // the last few positions, which would copy every layer and, with the old buffers freed
      // while others live, leave the heap fragmented (85 MiB more peak RSS at batch 8 x 512).
      if (2 * std::max(grown, len_ + new_tokens) >= growth_limit_) grown = growth_limit_;
    }
    if (trim_) grown = std::min(grown, 2 * spec_.window);
    reallocate(batch_, std::max(len_ + new_tokens, grown));
  }
}

void DenseKvLayer::reserve(int64_t length) {
  if (growth_ == Growth::Fixed || trim_ || length <= first_ + len_) return;
  make_room(length - (first_ + len_));
}

KvLayerView DenseKvLayer::append(const Tensor& keys, const Tensor& values) {
  const int64_t T = keys.size(2);
  if (len_ + T > cap_) make_room(T);
  copy_positions(keys, k_, len_);
  copy_positions(values, v_, len_);
  len_ += T;
  return view();
}

KvLayerView DenseKvLayer::view() const { return {k_.narrow(2, 0, len_), v_.narrow(2, 0, len_), first_}; }

void DenseKvLayer::drop_front(int64_t n) {
  n = std::min(n, len_);
  if (n <= 0) return;
  move_positions(k_, n, 0, len_ - n);
  move_positions(v_, n, 0, len_ - n);
  len_ -= n;
  first_ += n;
}

void DenseKvLayer::reorder(const std::vector<int64_t>& indices) {
  const int64_t nb = static_cast<int64_t>(indices.size());
  for (int64_t i : indices)
    HFCPP_CHECK(i >= 0 && i < batch_, ErrorCode::InvalidArgument,
                "[kv_cache] reorder index {} is out of range for a batch of {}", i, batch_);
  const int64_t H = spec_.n_kv_heads, D = spec_.head_dim;
  Tensor k = Tensor::empty({nb, H, cap_, D}, DType::F32), v = Tensor::empty({nb, H, cap_, D}, DType::F32);
  const size_t row = static_cast<size_t>(H * cap_ * D);
  for (int64_t b = 0; b < nb; ++b) {
    std::memcpy(k.mutable_data<float>() + b * row, k_.data<float>() + indices[b] * row, row * sizeof(float));
    std::memcpy(v.mutable_data<float>() + b * row, v_.data<float>() + indices[b] * row, row * sizeof(float));
  }
  k_ = std::move(k);
  v_ = std::move(v);
  batch_ = nb;
}

void DenseKvLayer::crop(int64_t length) {
  HFCPP_CHECK(length >= 0, ErrorCode::InvalidArgument, "[kv_cache] crop length {} is negative", length);
  if (length >= first_ + len_) return;
  // A trimmed sliding layer can only be cut where the dropped positions are no longer needed.
  HFCPP_CHECK(first_ <= std::max<int64_t>(0, length - (spec_.window - 1)), ErrorCode::InvalidArgument,
              "[kv_cache] cannot crop a sliding-window cache to {} positions: positions before {} were "
              "already dropped (use the dynamic cache for prefix reuse)",
              length, first_);
  len_ = std::max<int64_t>(0, length - first_);
}

void DenseKvLayer::reset(int64_t batch) {
  len_ = 0;
  first_ = 0;
  if (batch != batch_) reallocate(batch, cap_);
}

}  // namespace hfcpp::models
