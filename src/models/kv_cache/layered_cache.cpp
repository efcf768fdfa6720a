// The cache kinds of KvCacheOptions over per-layer stores: dense (dynamic, static, sliding) or
// quantized. The cache counts positions seen; each layer keeps what its kind allows.
#include "models/kv_cache/layered_cache.h"

#include <variant>

#include "hfcpp/core/error.h"
#include "models/kv_cache/dense_layer.h"
#include "models/kv_cache/quantized_layer.h"

namespace hfcpp::models {

KvCacheKind parse_kv_cache_kind(const std::string& name) {
  if (name == "dynamic") return KvCacheKind::Dynamic;
  if (name == "static") return KvCacheKind::Static;
  if (name == "sliding" || name == "sliding_window") return KvCacheKind::SlidingWindow;
  if (name == "int8" || name == "quantized_int8") return KvCacheKind::QuantizedInt8;
  if (name == "int4" || name == "quantized_int4") return KvCacheKind::QuantizedInt4;
  HFCPP_THROW(ErrorCode::Usage, "[kv_cache] --cache '{}' is not one of dynamic, static, sliding, int8, int4", name);
}

std::optional<tensor::DType> parse_kv_cache_dtype(const std::string& name) {
  if (name == "auto") return std::nullopt;
  if (name == "f32" || name == "float32") return tensor::DType::F32;
  if (name == "f16" || name == "float16") return tensor::DType::F16;
  HFCPP_THROW(ErrorCode::Usage, "[kv_cache] --cache-dtype '{}' is not one of auto, f32, f16", name);
}

namespace {

constexpr int64_t kInitialCapacity = 64;

class Cache final : public LayeredKvCache {
 public:
  Cache(const std::vector<KvLayerSpec>& specs, const KvCacheOptions& o, tensor::DType model_dtype)
      : specs_(specs), options_(o), dtype_(o.dtype.value_or(model_dtype)) {
    HFCPP_CHECK(dtype_ == tensor::DType::F32 || dtype_ == tensor::DType::F16, ErrorCode::InvalidArgument,
                "[kv_cache] cache dtype {}: expected float32 or float16", tensor::dtype_name(dtype_));
    HFCPP_CHECK(o.batch >= 1, ErrorCode::InvalidArgument, "[kv_cache] batch is {}: expected >= 1", o.batch);
    HFCPP_CHECK(o.kind != KvCacheKind::Static || o.max_length >= 1, ErrorCode::InvalidArgument,
                "[kv_cache] a static cache needs max_length >= 1 (prompt + new tokens): got {}", o.max_length);
    batch_ = o.batch;
    build();
  }

  int64_t length() const override { return length_; }
  int64_t batch() const override { return batch_; }
  const std::vector<KvLayerSpec>& layer_specs() const override { return specs_; }
  int64_t memory_bytes() const override {
    int64_t bytes = 0;
    for (const auto& layer : layers_) bytes += std::visit([](const auto& l) { return l.memory_bytes(); }, layer);
    return bytes;
  }

  void begin_step(int64_t batch, int64_t new_tokens) override {
    if (batch != batch_) {
      HFCPP_CHECK(length_ == 0, ErrorCode::InvalidArgument,
                  "[kv_cache] input has batch {} but the cache holds {} rows (reorder() the cache first)", batch,
                  batch_);
      batch_ = batch;
      build();
    }
    for (auto& layer : layers_)
      if (auto* d = std::get_if<DenseKvLayer>(&layer)) d->check_room(new_tokens);
    for (auto& layer : layers_) std::visit([&](auto& l) { l.make_room(new_tokens); }, layer);
  }

  KvLayerView append(int64_t layer, const Tensor& keys, const Tensor& values) override {
    return std::visit([&](auto& l) { return l.append(keys, values); }, layers_.at(layer));
  }

  void end_step(int64_t new_tokens) override { length_ += new_tokens; }

  void reserve(int64_t length) override {
    for (auto& layer : layers_)
      if (auto* d = std::get_if<DenseKvLayer>(&layer)) d->reserve(length);
  }

  void reorder(const std::vector<int64_t>& indices) override {
    HFCPP_CHECK(!indices.empty(), ErrorCode::InvalidArgument, "[kv_cache] reorder with no indices");
    for (auto& layer : layers_) std::visit([&](auto& l) { l.reorder(indices); }, layer);
    batch_ = static_cast<int64_t>(indices.size());
  }

  void crop(int64_t length) override {
    HFCPP_CHECK(length >= 0, ErrorCode::InvalidArgument, "[kv_cache] crop length {} is negative", length);
    if (length > length_) return;  // (length == length_ still trims layers a failed forward appended to)
    for (auto& layer : layers_) std::visit([&](auto& l) { l.crop(length); }, layer);
    length_ = length;
  }

  void reset() override {
    for (auto& layer : layers_) std::visit([&](auto& l) { l.reset(batch_); }, layer);
    length_ = 0;
  }

 private:
  void build() {
    layers_.clear();
    layers_.reserve(specs_.size());
    for (const KvLayerSpec& s : specs_) {
      switch (options_.kind) {
        case KvCacheKind::Dynamic:
          layers_.emplace_back(std::in_place_type<DenseKvLayer>, s, batch_, DenseKvLayer::Growth::Doubling,
                               kInitialCapacity, false, options_.max_length, dtype_);
          break;
        case KvCacheKind::Static:
          layers_.emplace_back(std::in_place_type<DenseKvLayer>, s, batch_, DenseKvLayer::Growth::Fixed,
                               options_.max_length, false, 0, dtype_);
          break;
        case KvCacheKind::SlidingWindow:
          layers_.emplace_back(std::in_place_type<DenseKvLayer>, s, batch_, DenseKvLayer::Growth::Doubling,
                               kInitialCapacity, true, options_.max_length, dtype_);
          break;
        case KvCacheKind::QuantizedInt8:
        case KvCacheKind::QuantizedInt4:
          layers_.emplace_back(std::in_place_type<QuantizedKvLayer>, s, batch_,
                               options_.kind == KvCacheKind::QuantizedInt8 ? 8 : 4, options_.group_size,
                               options_.residual_length);
          break;
      }
    }
  }

  std::vector<KvLayerSpec> specs_;
  KvCacheOptions options_;
  tensor::DType dtype_;
  int64_t batch_ = 1, length_ = 0;
  std::vector<std::variant<DenseKvLayer, QuantizedKvLayer>> layers_;
};

}  // namespace

std::unique_ptr<KvCache> make_layered_kv_cache(const std::vector<KvLayerSpec>& layers, const KvCacheOptions& options,
                                               tensor::DType model_dtype) {
  return std::make_unique<Cache>(layers, options, model_dtype);
}

LayeredKvCache& as_layered_cache(KvCache& cache, const std::vector<KvLayerSpec>& expected, const char* component) {
  auto* layered = dynamic_cast<LayeredKvCache*>(&cache);
  HFCPP_CHECK(layered != nullptr, ErrorCode::InvalidArgument,
              "[{}] the KV cache was not made by this model's make_cache()", component);
  const auto& have = layered->layer_specs();
  bool same = have.size() == expected.size();
  for (size_t i = 0; same && i < have.size(); ++i)
    same = have[i].n_kv_heads == expected[i].n_kv_heads && have[i].head_dim == expected[i].head_dim &&
           have[i].window == expected[i].window;
  HFCPP_CHECK(same, ErrorCode::InvalidArgument,
              "[{}] the KV cache has {} layers of a different shape: expected {} layers (make it with this "
              "model's make_cache())",
              component, have.size(), expected.size());
  return *layered;
}

}  // namespace hfcpp::models
