#include "models/kv_cache/dense_layer.h"

#include <algorithm>
#include <cstring>

#include "hfcpp/core/error.h"

namespace hfcpp::models {

using tensor::DType;

namespace {

// Copies src [B, H, T, D] (unit last stride) into slots [at, at + T) of dst [B, H, cap, D],
// converted to dst's dtype (f32 or f16) first when it differs.
void copy_positions(const Tensor& src, Tensor& dst, int64_t at) {
  const Tensor s = src.strides()[3] == 1 && src.dtype() == dst.dtype() ? src : src.to(dst.dtype()).contiguous();
  const int64_t B = s.size(0), H = s.size(1), T = s.size(2), D = s.size(3), cap = dst.size(2);
  const size_t elem = tensor::dtype_size(dst.dtype());
  const auto* ps = static_cast<const uint8_t*>(s.raw_data());
  auto* pd = static_cast<uint8_t*>(dst.raw_mutable_data());
  const auto& st = s.strides();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t)
        std::memcpy(pd + static_cast<size_t>((b * H + h) * cap + at + t) * D * elem,
                    ps + static_cast<size_t>(b * st[0] + h * st[1] + t * st[2]) * elem, static_cast<size_t>(D) * elem);
}

// Moves slots [from, from + n) to [to, to + n) in every row of buf [B, H, cap, D].
void move_positions(Tensor& buf, int64_t from, int64_t to, int64_t n) {
  const int64_t rows = buf.size(0) * buf.size(1), cap = buf.size(2), D = buf.size(3);
  const size_t elem = tensor::dtype_size(buf.dtype());
  auto* p = static_cast<uint8_t*>(buf.raw_mutable_data());
  for (int64_t r = 0; r < rows; ++r)
    std::memmove(p + static_cast<size_t>((r * cap + to) * D) * elem, p + static_cast<size_t>((r * cap + from) * D) * elem,
                 static_cast<size_t>(n * D) * elem);
}

}  // namespace

DenseKvLayer::DenseKvLayer(KvLayerSpec spec, int64_t batch, Growth growth, int64_t capacity, bool trim_to_window,
                           int64_t growth_limit, DType storage)
    : spec_(spec), growth_(growth), trim_(trim_to_window && spec.window > 0), batch_(batch), cap_(0),
      growth_limit_(growth_limit), storage_(storage) {
  HFCPP_CHECK(storage == DType::F32 || storage == DType::F16, ErrorCode::InvalidArgument,
              "[kv_cache] cache dtype {}: expected float32 or float16", tensor::dtype_name(storage));
  if (growth_limit_ > 0) capacity = std::min(capacity, growth_limit_);
  // A sliding layer never needs more than two windows (plus a long prompt's chunk, see make_room).
  if (trim_) capacity = std::max<int64_t>(std::min(capacity, 2 * spec.window), 2);
  // Growable buffers come with the first positions, at the size those need (a whole reserved
  // prompt): a small first buffer replaced at once would only leave a hole in the heap.
  initial_cap_ = capacity;
  reallocate(batch, growth_ == Growth::Doubling ? 0 : capacity);
}

void DenseKvLayer::reallocate(int64_t batch, int64_t capacity) {
  Tensor k = Tensor::empty({batch, spec_.n_kv_heads, capacity, spec_.head_dim}, storage_);
  Tensor v = Tensor::empty({batch, spec_.n_kv_heads, capacity, spec_.head_dim}, storage_);
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
  Tensor k = Tensor::empty({nb, H, cap_, D}, storage_), v = Tensor::empty({nb, H, cap_, D}, storage_);
  const size_t row = static_cast<size_t>(H * cap_ * D) * tensor::dtype_size(k.dtype());
  for (int64_t b = 0; b < nb; ++b) {
    std::memcpy(static_cast<uint8_t*>(k.raw_mutable_data()) + b * row,
                static_cast<const uint8_t*>(k_.raw_data()) + indices[b] * row, row);
    std::memcpy(static_cast<uint8_t*>(v.raw_mutable_data()) + b * row,
                static_cast<const uint8_t*>(v_.raw_data()) + indices[b] * row, row);
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
