// SafetensorsFile: a validated header over a read-only mapping. Tensors borrow the mapping
// (zero-copy) when their bytes are aligned to the element size, else they are copied.
#include <algorithm>
#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"

namespace hfcpp::formats {

using tensor::DType;
using tensor::Tensor;

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  return from_mapping(core::MappedFile::open(path));
}

SafetensorsFile SafetensorsFile::from_mapping(std::shared_ptr<const core::MappedFile> file) {
  HFCPP_CHECK(file != nullptr, ErrorCode::InvalidArgument, "[safetensors] null mapping");
  try {
    SafetensorsHeader header = parse_safetensors_header(file->bytes());
    return SafetensorsFile(std::move(file), std::move(header));
  } catch (Error& e) {
    throw std::move(e.with_context(fmt::format("reading '{}'", file->path())));
  }
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(header_.tensors.size());
  for (const auto& t : header_.tensors) out.push_back(t.name);
  return out;
}

namespace {
const SafetensorsTensorInfo* find_info(const std::vector<SafetensorsTensorInfo>& tensors,
                                       std::string_view name) {
  auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                             [](const SafetensorsTensorInfo& t, std::string_view n) { return t.name < n; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}
}  // namespace

bool SafetensorsFile::contains(std::string_view name) const {
  return find_info(header_.tensors, name) != nullptr;
}

const SafetensorsTensorInfo& SafetensorsFile::info(std::string_view name) const {
  const SafetensorsTensorInfo* t = find_info(header_.tensors, name);
  HFCPP_CHECK(t != nullptr, ErrorCode::NotFound, "[safetensors] no tensor '{}' in '{}' ({} tensors)",
              name, path(), header_.tensors.size());
  return *t;
}

std::span<const std::byte> SafetensorsFile::tensor_bytes(std::string_view name) const {
  const SafetensorsTensorInfo& t = info(name);
  return file_->bytes().subspan(header_.data_start() + t.data_begin, t.nbytes());
}

Tensor SafetensorsFile::tensor(std::string_view name) const {
  const SafetensorsTensorInfo& t = info(name);
  HFCPP_CHECK(t.dtype.has_value(), ErrorCode::Unsupported,
              "[safetensors] tensor '{}' in '{}' has dtype {}, which hfcpp cannot compute with "
              "(its raw bytes are readable through tensor_bytes)",
              name, path(), t.dtype_name);
  const uint64_t offset = header_.data_start() + t.data_begin;
  const auto address = reinterpret_cast<uintptr_t>(file_->data()) + offset;
  if (address % tensor::dtype_size(*t.dtype) == 0)
    return Tensor::borrow(file_, offset, t.shape, *t.dtype);
  // Unaligned (files from other writers may not pad): copy into aligned owned storage.
  Tensor owned = Tensor::empty(t.shape, *t.dtype);
  if (t.nbytes() > 0) std::memcpy(owned.raw_mutable_data(), file_->data() + offset, t.nbytes());
  return owned;
}

Tensor SafetensorsFile::tensor(std::string_view name, DType dtype) const {
  Tensor t = tensor(name);
  return t.dtype() == dtype ? t : t.to(dtype);
}

}  // namespace hfcpp::formats
