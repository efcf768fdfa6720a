#include "models/kv_cache/quantized_layer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "hfcpp/core/error.h"

namespace hfcpp::models {

using tensor::DType;

namespace {

void put_code(std::vector<uint8_t>& codes, int bits, int64_t i, uint8_t code) {
  if (bits == 8) {
    codes[i] = code;
  } else {
    uint8_t& byte = codes[i / 2];
    byte = (i % 2) ? static_cast<uint8_t>((byte & 0x0F) | (code << 4)) : static_cast<uint8_t>((byte & 0xF0) | code);
  }
}

uint8_t get_code(const std::vector<uint8_t>& codes, int bits, int64_t i) {
  if (bits == 8) return codes[i];
  const uint8_t byte = codes[i / 2];
  return (i % 2) ? static_cast<uint8_t>(byte >> 4) : static_cast<uint8_t>(byte & 0x0F);
}

// Quantizes n values read at `stride` into codes at code indices first, first + code_stride, ...
void quantize_run(const float* x, int64_t n, int64_t stride, int bits, std::vector<uint8_t>& codes,
                  int64_t first, int64_t code_stride, float* min_out, float* scale_out) {
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, x[i * stride]);
    hi = std::max(hi, x[i * stride]);
  }
  const float qmax = static_cast<float>((1 << bits) - 1);
  float scale = (hi - lo) / qmax;
  if (!(scale > 0.0f)) scale = 1.0f;  // a constant run: every code 0
  for (int64_t i = 0; i < n; ++i) {
    float q = std::nearbyint((x[i * stride] - lo) / scale);
    q = std::clamp(q, 0.0f, qmax);
    put_code(codes, bits, first + i * code_stride, static_cast<uint8_t>(q));
  }
  *min_out = lo;
  *scale_out = scale;
}

template <class T>
void gather_rows(std::vector<T>& data, int64_t old_batch, const std::vector<int64_t>& indices) {
  const size_t row = data.size() / static_cast<size_t>(old_batch);
  std::vector<T> out(row * indices.size());
  for (size_t b = 0; b < indices.size(); ++b)
    std::copy_n(data.begin() + static_cast<int64_t>(indices[b] * row), row,
                out.begin() + static_cast<int64_t>(b * row));
  data = std::move(out);
}

}  // namespace

QuantizedKvLayer::QuantizedKvLayer(KvLayerSpec spec, int64_t batch, int bits, int64_t group_size,
                                   int64_t residual_length)
    : spec_(spec),
      bits_(bits),
      group_(group_size),
      value_group_(spec.head_dim % group_size == 0 ? group_size : spec.head_dim),
      residual_length_(residual_length),
      residual_(KvLayerSpec{spec.n_kv_heads, spec.head_dim, 0}, batch, DenseKvLayer::Growth::Doubling,
                residual_length + group_size + 1, false) {
  HFCPP_CHECK(group_size >= 1, ErrorCode::InvalidArgument, "[kv_cache] group_size is {}: expected >= 1", group_size);
  HFCPP_CHECK(residual_length >= 0, ErrorCode::InvalidArgument, "[kv_cache] residual_length is {}: expected >= 0",
              residual_length);
  HFCPP_CHECK(bits == 8 || spec.head_dim % 2 == 0, ErrorCode::Unsupported,
              "[kv_cache] int4 cache needs an even head_dim: got {}", spec.head_dim);
}

int64_t QuantizedKvLayer::memory_bytes() const {
  int64_t bytes = residual_.memory_bytes();
  for (const Group& g : groups_)
    bytes += static_cast<int64_t>(g.key_codes.size() + g.value_codes.size() +
                                  sizeof(float) * (g.key_min.size() + g.key_scale.size() + g.value_min.size() +
                                                   g.value_scale.size()));
  return bytes;
}

void QuantizedKvLayer::quantize_oldest_group() {
  const KvLayerView tail = residual_.view();
  const Tensor k = tail.keys, v = tail.values;  // [B, H, L, D] strided views into the f32 buffers
  const int64_t B = k.size(0), H = k.size(1), D = k.size(3), G = group_, Gv = value_group_;
  const auto& ks = k.strides();
  const auto& vs = v.strides();
  const float* pk = k.data<float>();
  const float* pv = v.data<float>();
  Group g;
  const int64_t n_codes = B * H * G * D;
  g.key_codes.assign(bits_ == 8 ? n_codes : (n_codes + 1) / 2, 0);
  g.value_codes.assign(bits_ == 8 ? n_codes : (n_codes + 1) / 2, 0);
  g.key_min.resize(B * H * D);
  g.key_scale.resize(B * H * D);
  g.value_min.resize(B * H * G * (D / Gv));
  g.value_scale.resize(B * H * G * (D / Gv));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t bh = b * H + h;
      for (int64_t d = 0; d < D; ++d)  // keys: per channel over the group's positions
        quantize_run(pk + b * ks[0] + h * ks[1] + d, G, ks[2], bits_, g.key_codes, bh * G * D + d, D,
                     &g.key_min[bh * D + d], &g.key_scale[bh * D + d]);
      for (int64_t t = 0; t < G; ++t)  // values: per position, channel groups
        for (int64_t c = 0; c < D / Gv; ++c) {
          const int64_t p = (bh * G + t) * (D / Gv) + c;
          quantize_run(pv + b * vs[0] + h * vs[1] + t * vs[2] + c * Gv, Gv, 1, bits_, g.value_codes,
                       (bh * G + t) * D + c * Gv, 1, &g.value_min[p], &g.value_scale[p]);
        }
    }
  }
  groups_.push_back(std::move(g));
  residual_.drop_front(G);
}

KvLayerView QuantizedKvLayer::append(const Tensor& keys, const Tensor& values) {
  residual_.append(keys, values);
  while (residual_.length() >= residual_length_ + group_) quantize_oldest_group();
  return materialize();
}

KvLayerView QuantizedKvLayer::materialize() {
  const int64_t B = residual_.batch(), H = spec_.n_kv_heads, D = spec_.head_dim, G = group_, Gv = value_group_;
  const int64_t L = length();
  if (!scratch_k_.defined() || scratch_k_.size(0) != B || scratch_k_.size(2) < L) {
    const int64_t cap = std::max<int64_t>(L, scratch_k_.defined() ? 2 * scratch_k_.size(2) : 16);
    scratch_k_ = Tensor::empty({B, H, cap, D}, DType::F32);
    scratch_v_ = Tensor::empty({B, H, cap, D}, DType::F32);
  }
  const int64_t cap = scratch_k_.size(2);
  float* ok = scratch_k_.mutable_data<float>();
  float* ov = scratch_v_.mutable_data<float>();
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const Group& g = groups_[gi];
    const int64_t at = static_cast<int64_t>(gi) * G;
    for (int64_t bh = 0; bh < B * H; ++bh)
      for (int64_t t = 0; t < G; ++t) {
        float* rk = ok + (bh * cap + at + t) * D;
        float* rv = ov + (bh * cap + at + t) * D;
        for (int64_t d = 0; d < D; ++d) {
          const int64_t i = (bh * G + t) * D + d;
          rk[d] = g.key_min[bh * D + d] + g.key_scale[bh * D + d] * get_code(g.key_codes, bits_, i);
          const int64_t p = (bh * G + t) * (D / Gv) + d / Gv;
          rv[d] = g.value_min[p] + g.value_scale[p] * get_code(g.value_codes, bits_, i);
        }
      }
  }
  const KvLayerView tail = residual_.view();
  const int64_t at = quantized_positions();
  const auto& ks = tail.keys.strides();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < residual_.length(); ++t) {
        const int64_t bh = b * H + h;
        std::memcpy(ok + (bh * cap + at + t) * D, tail.keys.data<float>() + b * ks[0] + h * ks[1] + t * ks[2],
                    static_cast<size_t>(D) * sizeof(float));
        std::memcpy(ov + (bh * cap + at + t) * D, tail.values.data<float>() + b * ks[0] + h * ks[1] + t * ks[2],
                    static_cast<size_t>(D) * sizeof(float));
      }
  return {scratch_k_.narrow(2, 0, L), scratch_v_.narrow(2, 0, L), 0};
}

void QuantizedKvLayer::reorder(const std::vector<int64_t>& indices) {
  const int64_t old_batch = residual_.batch();
  residual_.reorder(indices);
  for (Group& g : groups_) {
    gather_rows(g.key_codes, old_batch, indices);
    gather_rows(g.value_codes, old_batch, indices);
    gather_rows(g.key_min, old_batch, indices);
    gather_rows(g.key_scale, old_batch, indices);
    gather_rows(g.value_min, old_batch, indices);
    gather_rows(g.value_scale, old_batch, indices);
  }
  scratch_k_ = Tensor();
  scratch_v_ = Tensor();
}

void QuantizedKvLayer::crop(int64_t length) {
  HFCPP_CHECK(length >= 0, ErrorCode::InvalidArgument, "[kv_cache] crop length {} is negative", length);
  if (length >= this->length()) return;
  if (length >= quantized_positions()) {
    residual_.crop(length - quantized_positions());
    return;
  }
  // Cutting into the quantized part: keep the dequantized prefix and quantize it again.
  KvLayerView all = materialize();
  const Tensor k = all.keys.narrow(2, 0, length).clone(), v = all.values.narrow(2, 0, length).clone();
  reset(residual_.batch());
  if (length > 0) append(k, v);
}

void QuantizedKvLayer::reset(int64_t batch) {
  groups_.clear();
  residual_.reset(batch);
}

}  // namespace hfcpp::models
