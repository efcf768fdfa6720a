#include "hfcpp/models/weights.h"

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "models/gguf_source.h"

namespace hfcpp::models {

WeightSource WeightSource::open(const std::string& path, std::optional<DType> weight_dtype) {
  WeightSource w;
  w.state_ = std::make_shared<State>(State{formats::ShardedSafetensors::open(path), weight_dtype, "", {}, {}, nullptr});
  return w;
}

WeightSource WeightSource::open_gguf(const std::string& path, std::optional<DType> weight_dtype, bool keep_quantized) {
  WeightSource w;
  auto gguf = std::make_shared<const GgufWeights>(formats::GgufFile::open(path));
  w.state_ = std::make_shared<State>(State{{}, weight_dtype, "", {}, {}, std::move(gguf), keep_quantized});
  return w;
}

void WeightSource::set_base_model_prefix(std::string prefix) { state_->base_prefix = std::move(prefix); }

WeightSource WeightSource::sub(std::string_view prefix) const {
  WeightSource w = *this;
  w.prefix_ = prefix_ + std::string(prefix) + ".";
  return w;
}

WeightSource WeightSource::sub(int64_t index) const { return sub(std::to_string(index)); }

std::optional<std::string> WeightSource::resolve(std::string_view full_view) const {
  std::string full(full_view);
  const auto& ckpt = state_->checkpoint;
  std::vector<std::string> candidates{full};
  const std::string bp = state_->base_prefix.empty() ? "" : state_->base_prefix + ".";
  if (!bp.empty()) {
    if (full.rfind(bp, 0) == 0) candidates.push_back(full.substr(bp.size()));
    else candidates.push_back(bp + full);
  }
  // Old checkpoints name LayerNorm parameters gamma/beta (transformers renames them on load).
  for (size_t i = 0, n = candidates.size(); i < n; ++i) {
    const std::string c = candidates[i];  // a copy: push_back below may reallocate
    auto ends = [&](const char* s) {
      std::string_view sv(s);
      return c.size() >= sv.size() && c.compare(c.size() - sv.size(), sv.size(), sv) == 0;
    };
    if (ends(".weight")) candidates.push_back(c.substr(0, c.size() - 7) + ".gamma");
    if (ends(".bias")) candidates.push_back(c.substr(0, c.size() - 5) + ".beta");
  }
  for (const auto& c : candidates)
    if (state_->gguf ? state_->gguf->contains(c) : ckpt.contains(c)) return c;
  return std::nullopt;
}

bool WeightSource::has(std::string_view name) const { return resolve(prefix_ + std::string(name)).has_value(); }

std::optional<Tensor> WeightSource::get_optional(std::string_view name, const Shape& expected,
                                                 WeightKind kind) const {
  std::string full = prefix_ + std::string(name);
  auto found = resolve(full);
  if (!found) return std::nullopt;
  state_->used.insert(*found);
  if (state_->gguf) return gguf_weight(*state_->gguf, *found, expected, kind, state_->weight_dtype, state_->problems);
  const auto& info = state_->checkpoint.info(*found);
  if (info.shape != expected) {
    state_->problems.push_back(fmt::format("'{}' has shape {}, expected {}", *found,
                                           tensor::shape_to_string(info.shape),
                                           tensor::shape_to_string(expected)));
    return Tensor();
  }
  HFCPP_CHECK(info.dtype.has_value(), ErrorCode::Unsupported,
              "[weights] tensor '{}' has dtype {} which hfcpp cannot compute with", *found, info.dtype_name);
  DType have = *info.dtype;
  HFCPP_CHECK(tensor::dtype_info(have).is_float, ErrorCode::Format,
              "[weights] tensor '{}' has dtype {}, expected a floating-point weight", *found, info.dtype_name);
  DType want = kind == WeightKind::Param ? DType::F32 : state_->weight_dtype.value_or(have);
  if (want != DType::F32 && want != DType::BF16 && want != DType::F16) want = DType::F32;
  const formats::SafetensorsFile& file = state_->checkpoint.file_of(*found);
  Tensor t = file.tensor(*found, want);
  // Converted (or unaligned, copied): the file's pages of this tensor are not needed any more.
  const auto* mapped = file.mapping()->data();
  const auto* data = static_cast<const std::byte*>(t.raw_data());
  if (t.nbytes() > 0 && (data < mapped || data >= mapped + file.mapping()->size()))
    file.mapping()->release_pages(file.header().data_start() + info.data_begin, info.nbytes());
  return t;
}

std::optional<QuantizedWeight> WeightSource::get_quantized(std::string_view name, const Shape& expected) const {
  if (!state_->gguf || !state_->keep_quantized || state_->weight_dtype) return std::nullopt;
  auto found = resolve(prefix_ + std::string(name));
  if (!found || state_->gguf->shape(*found) != expected) return std::nullopt;
  auto q = state_->gguf->load_quantized(*found);
  if (q) state_->used.insert(*found);
  return q;
}

Tensor WeightSource::get(std::string_view name, const Shape& expected, WeightKind kind) const {
  auto t = get_optional(name, expected, kind);
  if (!t) {
    state_->problems.push_back(fmt::format("'{}' is missing", prefix_ + std::string(name)));
    return Tensor();
  }
  return *t;
}

std::vector<std::string> WeightSource::unused_names() const {
  std::vector<std::string> out;
  for (const auto& n : state_->gguf ? state_->gguf->names() : state_->checkpoint.names())
    if (!state_->used.count(n)) out.push_back(n);
  return out;
}

void WeightSource::check_complete() const {
  if (!state_->problems.empty()) {
    std::string list;
    for (size_t i = 0; i < state_->problems.size() && i < 20; ++i)
      list += (i ? "; " : "") + state_->problems[i];
    if (state_->problems.size() > 20) list += fmt::format("; and {} more", state_->problems.size() - 20);
    HFCPP_THROW(ErrorCode::Format, "[weights] {} weight problem(s) in the checkpoint: {}",
                state_->problems.size(), list);
  }
  auto unused = unused_names();
  for (const auto& n : unused)
    if (n.find("position_ids") == std::string::npos)
      HFCPP_LOG_INFO("weight '{}' in the checkpoint is not used by this model", n);
}

}  // namespace hfcpp::models
