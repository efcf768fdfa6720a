// GgufWriter: the bytes gguf-py 0.19.0's GGUFWriter writes (write_header_to_file,
// write_kv_data_to_file, write_tensors_to_file) for the same keys, tensors and order.
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"

namespace hfcpp::formats {

using quant::GgmlType;

namespace {

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.append(s);
}

void put_value(std::string& out, const GgufValue& v) {
  switch (v.type()) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool:
      put<uint8_t>(out, static_cast<uint8_t>(v.bits()));
      break;
    case GgufValueType::U16: case GgufValueType::I16: put<uint16_t>(out, static_cast<uint16_t>(v.bits())); break;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32:
      put<uint32_t>(out, static_cast<uint32_t>(v.bits()));
      break;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: put<uint64_t>(out, v.bits()); break;
    case GgufValueType::String: put_string(out, v.as_string()); break;
    case GgufValueType::Array:
      put<uint32_t>(out, static_cast<uint32_t>(v.element_type()));
      put<uint64_t>(out, v.items().size());
      for (const auto& item : v.items()) put_value(out, item);
      break;
  }
}

uint64_t pad_to(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

std::optional<GgmlType> ggml_type_of(tensor::DType dt) {
  switch (dt) {
    case tensor::DType::F32: return GgmlType::F32;
    case tensor::DType::F16: return GgmlType::F16;
    case tensor::DType::BF16: return GgmlType::BF16;
    case tensor::DType::F64: return GgmlType::F64;
    case tensor::DType::I8: return GgmlType::I8;
    case tensor::DType::I16: return GgmlType::I16;
    case tensor::DType::I32: return GgmlType::I32;
    case tensor::DType::I64: return GgmlType::I64;
    default: return std::nullopt;
  }
}

}  // namespace

void GgufWriter::set(std::string key, GgufValue value) {
  if (key == "general.alignment") {  // keep the layout consistent with the key readers will see
    HFCPP_CHECK(value.type() == GgufValueType::U32, ErrorCode::InvalidArgument,
                "[gguf] general.alignment of type {}: expected UINT32", gguf_value_type_name(value.type()));
    const uint64_t a = value.bits();
    HFCPP_CHECK(a != 0 && (a & (a - 1)) == 0, ErrorCode::InvalidArgument,
                "[gguf] alignment {}: expected a non-zero power of two", a);
    alignment_ = static_cast<uint32_t>(a);
  }
  for (auto& kv : metadata_)
    if (kv.key == key) {
      kv.value = std::move(value);  // a Python dict keeps the key's first position
      return;
    }
  metadata_.push_back({std::move(key), std::move(value), 0});
}

void GgufWriter::set_alignment(uint32_t alignment) {
  set("general.alignment", GgufValue::u32(alignment));
}

void GgufWriter::add_tensor(std::string name, const tensor::Tensor& t) {
  HFCPP_CHECK(t.defined(), ErrorCode::InvalidArgument, "[gguf] tensor '{}' is undefined", name);
  const auto type = ggml_type_of(t.dtype());
  HFCPP_CHECK(type.has_value(), ErrorCode::InvalidArgument,
              "[gguf] tensor '{}' has dtype {}, expected one of F32, F16, BF16, F64, I8, I16, I32, I64", name,
              tensor::dtype_name(t.dtype()));
  HFCPP_CHECK(t.dim() <= kGgufMaxDims, ErrorCode::InvalidArgument, "[gguf] tensor '{}' has {} dims, expected at most {}",
              name, t.dim(), kGgufMaxDims);
  for (const auto& p : tensors_)
    HFCPP_CHECK(p.name != name, ErrorCode::InvalidArgument, "[gguf] duplicated tensor name '{}'", name);
  tensor::Tensor data = t.contiguous();
  const uint64_t nbytes = data.nbytes();
  tensors_.push_back({std::move(name), *type, t.shape(), std::move(data), nbytes});
}

void GgufWriter::add_raw_tensor(std::string name, GgmlType type, const tensor::Shape& shape,
                                std::span<const std::byte> bytes) {
  HFCPP_CHECK(shape.size() <= static_cast<size_t>(kGgufMaxDims), ErrorCode::InvalidArgument,
              "[gguf] tensor '{}' has {} dims, expected at most {}", name, shape.size(), kGgufMaxDims);
  const int64_t numel = tensor::shape_numel(shape);
  const int64_t row = shape.empty() ? 1 : shape.back();
  const uint64_t row_bytes = quant::ggml_row_bytes(type, static_cast<uint64_t>(row));
  const uint64_t expected = row == 0 ? 0 : row_bytes * static_cast<uint64_t>(numel / row);
  HFCPP_CHECK(bytes.size() == expected, ErrorCode::InvalidArgument,
              "[gguf] tensor '{}': got {} bytes, expected {} for {} {}", name, bytes.size(), expected,
              quant::ggml_type_info(type).name, tensor::shape_to_string(shape));
  for (const auto& p : tensors_)
    HFCPP_CHECK(p.name != name, ErrorCode::InvalidArgument, "[gguf] duplicated tensor name '{}'", name);
  tensor::Tensor data = tensor::Tensor::empty({static_cast<int64_t>(bytes.size())}, tensor::DType::U8);
  if (!bytes.empty()) std::memcpy(data.raw_mutable_data(), bytes.data(), bytes.size());
  tensors_.push_back({std::move(name), type, shape, std::move(data), bytes.size()});
}

void GgufWriter::add_tensor_info(std::string name, GgmlType type, const tensor::Shape& shape) {
  HFCPP_CHECK(shape.size() <= static_cast<size_t>(kGgufMaxDims), ErrorCode::InvalidArgument,
              "[gguf] tensor '{}' has {} dims, expected at most {}", name, shape.size(), kGgufMaxDims);
  const int64_t numel = tensor::shape_numel(shape);
  const int64_t row = shape.empty() ? 1 : shape.back();
  const uint64_t nbytes =
      row == 0 ? 0 : quant::ggml_row_bytes(type, static_cast<uint64_t>(row)) * static_cast<uint64_t>(numel / row);
  for (const auto& p : tensors_)
    HFCPP_CHECK(p.name != name, ErrorCode::InvalidArgument, "[gguf] duplicated tensor name '{}'", name);
  tensors_.push_back({std::move(name), type, shape, tensor::Tensor{}, nbytes});
}

void GgufWriter::require_data() const {
  for (const auto& t : tensors_)
    HFCPP_CHECK(t.data.defined(), ErrorCode::InvalidArgument,
                "[gguf] tensor '{}' was added without data (add_tensor_info): stream it after header_bytes()", t.name);
}

std::string GgufWriter::header_bytes() const {
  std::string out;
  out.append("GGUF", 4);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, metadata_.size());
  for (const auto& kv : metadata_) {
    put_string(out, kv.key);
    put<uint32_t>(out, static_cast<uint32_t>(kv.value.type()));
    put_value(out, kv.value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) put<uint64_t>(out, static_cast<uint64_t>(*it));
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, offset);
    offset += pad_to(t.nbytes, alignment_);
  }
  out.resize(pad_to(out.size(), alignment_), '\0');
  return out;
}

std::string GgufWriter::serialize() const {
  require_data();
  std::string out = header_bytes();
  for (const auto& t : tensors_) {
    out.append(static_cast<const char*>(t.data.raw_data()), t.data.nbytes());
    out.resize(pad_to(out.size(), alignment_), '\0');
  }
  return out;
}

void GgufWriter::write(const std::string& path) const {
  require_data();
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  HFCPP_CHECK(f != nullptr, ErrorCode::Io, "[gguf] cannot create '{}': {}", tmp, std::strerror(errno));
  auto write_all = [&](const void* data, size_t n) {
    if (n > 0 && std::fwrite(data, 1, n, f) != n) {
      std::fclose(f);
      std::remove(tmp.c_str());
      HFCPP_THROW(ErrorCode::Io, "[gguf] writing '{}' failed: {}", tmp, std::strerror(errno));
    }
  };
  const std::string header = header_bytes();
  write_all(header.data(), header.size());
  static const char kZeros[64] = {};
  for (const auto& t : tensors_) {
    write_all(t.data.raw_data(), t.data.nbytes());
    uint64_t pad = pad_to(t.data.nbytes(), alignment_) - t.data.nbytes();
    while (pad > 0) {
      const size_t n = std::min<uint64_t>(pad, sizeof(kZeros));
      write_all(kZeros, n);
      pad -= n;
    }
  }
  const bool closed = std::fclose(f) == 0;
  if (!closed) std::remove(tmp.c_str());
  HFCPP_CHECK(closed, ErrorCode::Io, "[gguf] closing '{}' failed: {}", tmp, std::strerror(errno));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  HFCPP_CHECK(!ec, ErrorCode::Io, "[gguf] renaming '{}' to '{}' failed: {}", tmp, path, ec.message());
}

}  // namespace hfcpp::formats
