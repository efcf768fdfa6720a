// safetensors (https://github.com/huggingface/safetensors): reading with the whole header
// validated before any tensor is viewed, zero-copy tensors borrowed from the mmap, and writing
// byte-identical to the Python library's save_file for the same input.
//
// File layout: u64 little-endian N, N bytes of UTF-8 JSON (space-padded to a multiple of 8),
// then the data section. The JSON maps tensor names to {"dtype", "shape", "data_offsets"}
// (offsets relative to the data section) plus an optional "__metadata__" string->string map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hfcpp/core/mapped_file.h"
#include "hfcpp/tensor/dtype.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::formats {

// The reference refuses headers above 100 MB; so do we (a bound on memory for hostile files).
inline constexpr uint64_t kSafetensorsMaxHeaderSize = 100'000'000;

using SafetensorsMetadata = std::map<std::string, std::string>;

// One dtype name the safetensors format defines (0.8.0 knows 22). hfcpp_dtype is empty for
// the ones hfcpp cannot compute with (F4, F6_*, F8_E8M0, the FNUZ floats, C64): such tensors
// are listed and their raw bytes readable, but tensor() throws Unsupported.
struct SafetensorsDTypeName {
  const char* name;
  uint32_t bits;  // per element
  // Position in the reference's Dtype enum; writers order tensors by it, descending.
  int order;
  std::optional<tensor::DType> hfcpp_dtype;
};
// nullptr when the name is not a safetensors dtype (names are case-sensitive, as in the file).
const SafetensorsDTypeName* find_safetensors_dtype(std::string_view name);
const SafetensorsDTypeName& safetensors_dtype_of(tensor::DType dtype);

struct SafetensorsTensorInfo {
  std::string name;
  std::string dtype_name;               // as written in the file: "BF16"
  std::optional<tensor::DType> dtype;   // empty for dtypes hfcpp lacks (see above)
  uint32_t dtype_bits = 0;
  tensor::Shape shape;
  uint64_t data_begin = 0;  // data_offsets, relative to the start of the data section
  uint64_t data_end = 0;

  uint64_t nbytes() const { return data_end - data_begin; }
  int64_t numel() const { return tensor::shape_numel(shape); }
};

struct SafetensorsHeader {
  uint64_t header_size = 0;  // N: JSON bytes including padding
  uint64_t data_start() const { return 8 + header_size; }
  uint64_t data_size = 0;    // bytes in the data section
  // Sorted by name (bytewise), as the Python library's keys() lists them.
  std::vector<SafetensorsTensorInfo> tensors;
  bool has_metadata = false;  // "__metadata__" present and not null
  SafetensorsMetadata metadata;
};

// Parses and fully validates a complete file image (length prefix, header and data section):
// size bounds, UTF-8, JSON schema, dtype names, shapes (no overflow), offsets contiguous from 0,
// non-overlapping, matching shape x dtype and covering the data section exactly. Throws
// Error(Format) naming the problem. Reads only the header bytes; the data section is never touched.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes);

class SafetensorsFile {
 public:
  // Maps the file and validates the whole header (O(header), the data is not read).
  static SafetensorsFile open(const std::string& path);
  static SafetensorsFile from_mapping(std::shared_ptr<const core::MappedFile> file);

  const std::string& path() const { return file_->path(); }
  const SafetensorsHeader& header() const { return header_; }
  const std::vector<SafetensorsTensorInfo>& tensors() const { return header_.tensors; }
  std::vector<std::string> names() const;
  bool contains(std::string_view name) const;
  // Throws NotFound naming the tensor and the file.
  const SafetensorsTensorInfo& info(std::string_view name) const;
  bool has_metadata() const { return header_.has_metadata; }
  const SafetensorsMetadata& metadata() const { return header_.metadata; }

  // The tensor's bytes inside the mapping, for any dtype.
  std::span<const std::byte> tensor_bytes(std::string_view name) const;
  // Zero-copy: a tensor borrowing the mapping (keeping it alive) when the data is aligned to the
  // element size; otherwise an owned copy. Unsupported for dtypes hfcpp lacks.
  tensor::Tensor tensor(std::string_view name) const;
  // Converted to dtype (owned) unless it already has that dtype (then as tensor(name)).
  tensor::Tensor tensor(std::string_view name, tensor::DType dtype) const;

  const std::shared_ptr<const core::MappedFile>& mapping() const { return file_; }

 private:
  SafetensorsFile(std::shared_ptr<const core::MappedFile> file, SafetensorsHeader header)
      : file_(std::move(file)), header_(std::move(header)) {}
  std::shared_ptr<const core::MappedFile> file_;
  SafetensorsHeader header_;
};

// ---- Writing ---------------------------------------------------------------------------------

using NamedTensors = std::vector<std::pair<std::string, tensor::Tensor>>;

// The file bytes the Python library writes for these tensors: tensors ordered by dtype
// (descending, in the reference's enum order) then name, header compact JSON space-padded to
// 8 bytes, "__metadata__" first when given (even if empty). Names must be unique.
std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::optional<SafetensorsMetadata>& metadata = std::nullopt);
// Same bytes, streamed to path through a temporary file and rename().
void save_safetensors(const NamedTensors& tensors, const std::string& path,
                      const std::optional<SafetensorsMetadata>& metadata = std::nullopt);
void save_safetensors(const std::map<std::string, tensor::Tensor>& tensors, const std::string& path,
                      const std::optional<SafetensorsMetadata>& metadata = std::nullopt);

struct ShardedSaveResult {
  std::vector<std::string> files;  // shard file names written (relative to the folder)
  std::string index_file;          // empty when everything fit one model.safetensors
  uint64_t total_size = 0;         // sum of tensor bytes
};

// As transformers' save_pretrained / huggingface_hub's split_state_dict_into_shards: tensors
// are taken in the given order and a shard is closed when the next tensor would push it past
// max_shard_size bytes (a tensor larger than that gets a shard of its own). One shard is
// written as model.safetensors; several as model-0000i-of-0000N.safetensors plus
// model.safetensors.index.json ({"metadata": {"total_size"}, "weight_map"}, sorted keys,
// indent 2). shard_metadata goes into every shard's "__metadata__" (transformers: format=pt).
ShardedSaveResult save_safetensors_sharded(
    const NamedTensors& tensors, const std::string& folder, uint64_t max_shard_size,
    const std::optional<SafetensorsMetadata>& shard_metadata = SafetensorsMetadata{{"format", "pt"}});

}  // namespace hfcpp::formats
