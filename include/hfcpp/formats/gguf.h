// GGUF (llama.cpp's single-file model format, versions 2 and 3): a validating reader over a
// read-only mapping and a writer byte-identical to gguf-py's GGUFWriter.
//
// Layout (little-endian): "GGUF" u32 version, u64 n_tensors, u64 n_kv; n_kv key/value pairs
// (string key, u32 value type, value); n_tensors tensor infos (string name, u32 n_dims,
// n_dims x u64 ne (innermost first), u32 ggml type, u64 offset into the data section); padding to
// general.alignment (default 32); the data section. Strings are u64 length + bytes (no NUL).
//
// The reader validates the whole header before handing out anything: counts bounded by the bytes
// left (so a hostile count cannot make it allocate), at most 4 dims, no element-count overflow,
// known ggml types, rows a whole number of blocks, offsets aligned, each tensor inside the file
// and no two tensors overlapping, unique keys and names. Errors name the byte offset and the key
// or tensor. Version 1 and big-endian files are refused with a message saying so.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/quant/ggml_type.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::formats {

inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr int kGgufMaxDims = 4;
inline constexpr int kGgufMaxArrayDepth = 16;  // nested arrays deeper than this are refused

// The numeric ids are the file format's.
enum class GgufValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
  String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_value_type_name(GgufValueType type);  // "UINT32", as gguf-py names them

// One metadata value. Scalars keep their exact bits; arrays hold elements of one type (arrays
// of arrays may mix inner element types, as the format allows).
class GgufValue {
 public:
  GgufValue() = default;
  static GgufValue u8(uint8_t v) { return scalar(GgufValueType::U8, v); }
  static GgufValue i8(int8_t v) { return scalar(GgufValueType::I8, static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static GgufValue u16(uint16_t v) { return scalar(GgufValueType::U16, v); }
  static GgufValue i16(int16_t v) { return scalar(GgufValueType::I16, static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static GgufValue u32(uint32_t v) { return scalar(GgufValueType::U32, v); }
  static GgufValue i32(int32_t v) { return scalar(GgufValueType::I32, static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static GgufValue u64(uint64_t v) { return scalar(GgufValueType::U64, v); }
  static GgufValue i64(int64_t v) { return scalar(GgufValueType::I64, static_cast<uint64_t>(v)); }
  static GgufValue f32(float v);
  static GgufValue f64(double v);
  static GgufValue boolean(bool v) { return scalar(GgufValueType::Bool, v ? 1 : 0); }
  static GgufValue string(std::string v);
  // Every item must have element_type (InvalidArgument otherwise).
  static GgufValue array(GgufValueType element_type, std::vector<GgufValue> items);
  static GgufValue string_array(const std::vector<std::string>& items);

  GgufValueType type() const { return type_; }
  bool is_integer() const;  // U8..I64 (not Bool)
  bool is_float() const { return type_ == GgufValueType::F32 || type_ == GgufValueType::F64; }
  bool is_array() const { return type_ == GgufValueType::Array; }

  // Checked accessors: InvalidArgument (naming the type held) on a mismatch. as_int accepts any
  // integer type whose value fits int64; as_double any integer or float.
  int64_t as_int() const;
  uint64_t as_uint() const;  // any non-negative integer
  double as_double() const;
  bool as_bool() const;
  const std::string& as_string() const;
  GgufValueType element_type() const;  // arrays only
  const std::vector<GgufValue>& items() const;
  std::vector<std::string> as_string_vector() const;
  // The raw scalar bits (integers sign-extended to 64 bits, floats as their IEEE bits).
  uint64_t bits() const { return bits_; }

  // JSON: numbers, bools, strings, arrays. Arrays with more than max_items elements become the
  // string "[N <type>s]" (e.g. "[49152 strings]"); SIZE_MAX keeps everything. Non-finite floats
  // become the strings "nan", "inf", "-inf".
  core::OrderedJson to_json(size_t max_items = SIZE_MAX) const;
  // For people: scalars as JSON would print them, strings quoted, long arrays summarised.
  std::string to_display(size_t max_items = 8) const;

  bool operator==(const GgufValue& other) const = default;

 private:
  static GgufValue scalar(GgufValueType type, uint64_t bits) {
    GgufValue v;
    v.type_ = type;
    v.bits_ = bits;
    return v;
  }
  GgufValueType type_ = GgufValueType::U8;
  GgufValueType element_type_ = GgufValueType::U8;
  uint64_t bits_ = 0;
  std::string string_;
  std::vector<GgufValue> items_;
};

struct GgufKeyValue {
  std::string key;
  GgufValue value;
  uint64_t file_offset = 0;  // where the pair starts (0 for values not read from a file)
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> ne;  // ggml order: ne[0] is the innermost (contiguous) dimension
  quant::GgmlType type = quant::GgmlType::F32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t nbytes = 0;
  uint64_t info_offset = 0;  // where the tensor info starts in the file, for messages

  // Row-major shape (ne reversed), as torch / gguf-py's numpy views see it.
  tensor::Shape shape() const;
  uint64_t numel() const;
  const char* type_name() const { return quant::ggml_type_info(type).name; }
  // The hfcpp dtype for plain types (F32, F16, BF16, F64, I8, I16, I32, I64); nullopt for blocks.
  std::optional<tensor::DType> plain_dtype() const;
};

struct GgufHeader {
  uint32_t version = 3;
  uint32_t alignment = kGgufDefaultAlignment;
  uint64_t data_offset = 0;  // start of the data section in the file
  std::vector<GgufKeyValue> metadata;  // in file order
  std::vector<GgufTensorInfo> tensors;  // in file order
};

// Parses and fully validates the header of a complete file image (see the top of this file).
// Only header bytes are read. Throws Error(Format) (Unsupported for version 1, big-endian files
// and unknown ggml types) naming the byte offset and the key or tensor.
GgufHeader parse_gguf_header(std::span<const std::byte> file_bytes);

// A block-quantized tensor's bytes as they are in the file.
struct GgufBlockTensor {
  std::span<const std::byte> bytes;
  quant::GgmlType type;
  tensor::Shape shape;  // row-major (elements, not blocks)
};

class GgufFile {
 public:
  static GgufFile open(const std::string& path);
  static GgufFile from_mapping(std::shared_ptr<const core::MappedFile> file);

  const std::string& path() const { return file_->path(); }
  const GgufHeader& header() const { return header_; }
  uint32_t version() const { return header_.version; }
  uint32_t alignment() const { return header_.alignment; }
  const std::vector<GgufKeyValue>& metadata() const { return header_.metadata; }
  const std::vector<GgufTensorInfo>& tensors() const { return header_.tensors; }

  // nullptr when absent.
  const GgufValue* find(std::string_view key) const;
  // NotFound naming the key and the file.
  const GgufValue& at(std::string_view key) const;
  // Typed lookups: nullopt when absent; Format naming the key when the type does not fit.
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;  // any integer or float
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<std::vector<std::string>> get_string_array(std::string_view key) const;
  // general.architecture (Format when absent).
  std::string architecture() const;

  const GgufTensorInfo* find_tensor(std::string_view name) const;
  const GgufTensorInfo& tensor_info(std::string_view name) const;  // NotFound naming the file
  std::span<const std::byte> tensor_bytes(std::string_view name) const;
  // Plain types only (Unsupported for block types): a row-major tensor borrowing the mapping
  // (no copy) when the data is aligned to the element size, else an owned copy.
  tensor::Tensor tensor(std::string_view name) const;
  // Any type: the bytes, ggml type and row-major shape.
  GgufBlockTensor block_tensor(std::string_view name) const;

  const std::shared_ptr<const core::MappedFile>& mapping() const { return file_; }

 private:
  GgufFile(std::shared_ptr<const core::MappedFile> file, GgufHeader header);
  std::shared_ptr<const core::MappedFile> file_;
  GgufHeader header_;
};

// ---- Writing ---------------------------------------------------------------------------------

// Builds a GGUF v3 file the way gguf-py 0.19.0's GGUFWriter does: keys in first-set order (setting
// a key again replaces its value in place, like a Python dict), tensor infos in add order with
// offsets padded to the alignment, the data section starting on an alignment boundary, and each
// tensor's data zero-padded to the alignment. Note that GGUFWriter(path, arch) itself starts
// with general.architecture: call set("general.architecture", ...) first to get the same bytes.
class GgufWriter {
 public:
  void set(std::string key, GgufValue value);
  // general.alignment (u32), as add_custom_alignment: a power of two; applies to the layout.
  void set_alignment(uint32_t alignment);
  // A plain tensor (F32, F16, BF16, F64, I8, I16, I32, I64), written row-major as given.
  void add_tensor(std::string name, const tensor::Tensor& t);
  // Raw bytes of any ggml type, shape row-major in elements (bytes.size() must match).
  void add_raw_tensor(std::string name, quant::GgmlType type, const tensor::Shape& shape,
                      std::span<const std::byte> bytes);

  // A tensor known only by name, type and row-major shape: for writers that stream the data
  // themselves (header_bytes(), then each tensor's bytes zero-padded to alignment()).
  // serialize() and write() refuse a writer holding such tensors.
  void add_tensor_info(std::string name, quant::GgmlType type, const tensor::Shape& shape);
  uint32_t alignment() const { return alignment_; }
  size_t metadata_count() const { return metadata_.size(); }
  // Everything before the data section (padded to the alignment).
  std::string header_bytes() const;

  // The whole file image.
  std::string serialize() const;
  // Streams the same bytes to path through a temporary file and rename().
  void write(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    quant::GgmlType type;
    tensor::Shape shape;
    tensor::Tensor data;  // contiguous; raw tensors are U8 [nbytes]; undefined for add_tensor_info
    uint64_t nbytes = 0;
  };
  uint32_t alignment_ = kGgufDefaultAlignment;
  std::vector<GgufKeyValue> metadata_;
  std::vector<PendingTensor> tensors_;
  void require_data() const;
};

}  // namespace hfcpp::formats
