// GgufFile: a validated header over a read-only mapping; metadata lookups and tensor views.
#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"

namespace hfcpp::formats {

using quant::GgmlType;
using tensor::DType;

tensor::Shape GgufTensorInfo::shape() const {
  tensor::Shape s;
  s.reserve(ne.size());
  for (auto it = ne.rbegin(); it != ne.rend(); ++it) s.push_back(static_cast<int64_t>(*it));
  return s;
}

uint64_t GgufTensorInfo::numel() const {
  uint64_t n = 1;
  for (uint64_t d : ne) n *= d;  // validated by the parser not to overflow
  return n;
}

std::optional<DType> GgufTensorInfo::plain_dtype() const {
  switch (type) {
    case GgmlType::F32: return DType::F32;
    case GgmlType::F16: return DType::F16;
    case GgmlType::BF16: return DType::BF16;
    case GgmlType::F64: return DType::F64;
    case GgmlType::I8: return DType::I8;
    case GgmlType::I16: return DType::I16;
    case GgmlType::I32: return DType::I32;
    case GgmlType::I64: return DType::I64;
    default: return std::nullopt;
  }
}

GgufFile::GgufFile(std::shared_ptr<const core::MappedFile> file, GgufHeader header)
    : file_(std::move(file)), header_(std::move(header)) {}

GgufFile GgufFile::open(const std::string& path) { return from_mapping(core::MappedFile::open(path)); }

GgufFile GgufFile::from_mapping(std::shared_ptr<const core::MappedFile> file) {
  HFCPP_CHECK(file != nullptr, ErrorCode::InvalidArgument, "[gguf] null mapping");
  try {
    GgufHeader header = parse_gguf_header(file->bytes());
    return GgufFile(std::move(file), std::move(header));
  } catch (Error& e) {
    throw std::move(e.with_context(fmt::format("reading '{}'", file->path())));
  }
}

const GgufValue* GgufFile::find(std::string_view key) const {
  for (const auto& kv : header_.metadata)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

const GgufValue& GgufFile::at(std::string_view key) const {
  const GgufValue* v = find(key);
  HFCPP_CHECK(v != nullptr, ErrorCode::NotFound, "[gguf] no metadata key '{}' in '{}'", key, path());
  return *v;
}

namespace {
// Runs an accessor, turning a type mismatch into a Format error naming the key and file.
template <class F>
auto typed(const GgufFile& f, std::string_view key, F&& get) -> std::optional<decltype(get(f.at(key)))> {
  const GgufValue* v = f.find(key);
  if (!v) return std::nullopt;
  try {
    return get(*v);
  } catch (Error& e) {
    HFCPP_THROW(ErrorCode::Format, "[gguf] metadata key '{}' in '{}': {}", key, f.path(), e.message());
  }
}
}  // namespace

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  return typed(*this, key, [](const GgufValue& v) { return v.as_int(); });
}
std::optional<double> GgufFile::get_float(std::string_view key) const {
  return typed(*this, key, [](const GgufValue& v) { return v.as_double(); });
}
std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  return typed(*this, key, [](const GgufValue& v) { return v.as_bool(); });
}
std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  return typed(*this, key, [](const GgufValue& v) { return v.as_string(); });
}
std::optional<std::vector<std::string>> GgufFile::get_string_array(std::string_view key) const {
  return typed(*this, key, [](const GgufValue& v) { return v.as_string_vector(); });
}

std::string GgufFile::architecture() const {
  auto arch = get_string("general.architecture");
  HFCPP_CHECK(arch.has_value(), ErrorCode::Format, "[gguf] '{}' has no general.architecture key", path());
  return *arch;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  for (const auto& t : header_.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

const GgufTensorInfo& GgufFile::tensor_info(std::string_view name) const {
  const GgufTensorInfo* t = find_tensor(name);
  HFCPP_CHECK(t != nullptr, ErrorCode::NotFound, "[gguf] no tensor '{}' in '{}' ({} tensors)", name, path(),
              header_.tensors.size());
  return *t;
}

std::span<const std::byte> GgufFile::tensor_bytes(std::string_view name) const {
  const GgufTensorInfo& t = tensor_info(name);
  return file_->bytes().subspan(header_.data_offset + t.offset, t.nbytes);
}

tensor::Tensor GgufFile::tensor(std::string_view name) const {
  const GgufTensorInfo& t = tensor_info(name);
  const auto dtype = t.plain_dtype();
  HFCPP_CHECK(dtype.has_value(), ErrorCode::Unsupported,
              "[gguf] tensor '{}' in '{}' is block-quantized ({}): read it with block_tensor() and dequantize it",
              name, path(), t.type_name());
  const uint64_t offset = header_.data_offset + t.offset;
  const auto address = reinterpret_cast<uintptr_t>(file_->data()) + offset;
  if (address % tensor::dtype_size(*dtype) == 0) return tensor::Tensor::borrow(file_, offset, t.shape(), *dtype);
  tensor::Tensor owned = tensor::Tensor::empty(t.shape(), *dtype);
  if (t.nbytes > 0) std::memcpy(owned.raw_mutable_data(), file_->data() + offset, t.nbytes);
  return owned;
}

GgufBlockTensor GgufFile::block_tensor(std::string_view name) const {
  const GgufTensorInfo& t = tensor_info(name);
  return {tensor_bytes(name), t.type, t.shape()};
}

}  // namespace hfcpp::formats
