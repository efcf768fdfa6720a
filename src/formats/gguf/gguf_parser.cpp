// Validating GGUF header parser. Every read is bounds-checked against the image, every count is
// bounded by the bytes left before anything is reserved, and sizes are computed with overflow
// checks, so a hostile file yields an Error naming the byte offset, never a crash or a huge
// allocation.
#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include <fmt/ranges.h>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"

namespace hfcpp::formats {

using quant::GgmlType;

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32

class Cursor {
 public:
  explicit Cursor(std::span<const std::byte> bytes) : bytes_(bytes) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return bytes_.size() - pos_; }
  uint64_t size() const { return bytes_.size(); }

  template <class T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));  // the format is little-endian, as is the host
    pos_ += sizeof(T);
    return v;
  }

  std::string read_string(const char* what) {
    const uint64_t at = pos_;
    const auto n = read<uint64_t>(what);
    HFCPP_CHECK(n <= left(), ErrorCode::Format,
                "[gguf] {} at byte {}: string length {} exceeds the {} bytes left in the file", what, at, n, left());
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<size_t>(n));
    pos_ += n;
    return s;
  }

  void need(uint64_t n, const char* what) const {
    HFCPP_CHECK(n <= left(), ErrorCode::Format,
                "[gguf] file truncated: {} needs {} bytes at byte {}, the file has {} bytes", what, n, pos_,
                bytes_.size());
  }

 private:
  std::span<const std::byte> bytes_;
  uint64_t pos_ = 0;
};

// Fewest bytes one value of the type can take: bounds array counts before reserving.
uint64_t min_value_bytes(GgufValueType t) {
  switch (t) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: return 1;
    case GgufValueType::U16: case GgufValueType::I16: return 2;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
    case GgufValueType::String: return 8;
    case GgufValueType::Array: return 12;
  }
  return 1;
}

GgufValueType read_value_type(Cursor& in, const std::string& key) {
  const uint64_t at = in.pos();
  const auto id = in.read<uint32_t>("a metadata value type");
  HFCPP_CHECK(id <= static_cast<uint32_t>(GgufValueType::F64), ErrorCode::Format,
              "[gguf] key '{}': value type {} at byte {} is not a GGUF value type, expected 0..12", key, id, at);
  return static_cast<GgufValueType>(id);
}

GgufValue read_value(Cursor& in, GgufValueType type, const std::string& key, int depth) {
  switch (type) {
    case GgufValueType::U8: return GgufValue::u8(in.read<uint8_t>("a UINT8 value"));
    case GgufValueType::I8: return GgufValue::i8(in.read<int8_t>("an INT8 value"));
    case GgufValueType::U16: return GgufValue::u16(in.read<uint16_t>("a UINT16 value"));
    case GgufValueType::I16: return GgufValue::i16(in.read<int16_t>("an INT16 value"));
    case GgufValueType::U32: return GgufValue::u32(in.read<uint32_t>("a UINT32 value"));
    case GgufValueType::I32: return GgufValue::i32(in.read<int32_t>("an INT32 value"));
    case GgufValueType::U64: return GgufValue::u64(in.read<uint64_t>("a UINT64 value"));
    case GgufValueType::I64: return GgufValue::i64(in.read<int64_t>("an INT64 value"));
    case GgufValueType::F32: return GgufValue::f32(in.read<float>("a FLOAT32 value"));
    case GgufValueType::F64: return GgufValue::f64(in.read<double>("a FLOAT64 value"));
    case GgufValueType::Bool: {
      const uint64_t at = in.pos();
      const auto b = in.read<uint8_t>("a BOOL value");
      HFCPP_CHECK(b <= 1, ErrorCode::Format, "[gguf] key '{}': BOOL byte {} at byte {}, expected 0 or 1", key, b, at);
      return GgufValue::boolean(b != 0);
    }
    case GgufValueType::String: return GgufValue::string(in.read_string("a STRING value"));
    case GgufValueType::Array: {
      const uint64_t at = in.pos();
      HFCPP_CHECK(depth < kGgufMaxArrayDepth, ErrorCode::Format,
                  "[gguf] key '{}': arrays nested deeper than {} at byte {}", key, kGgufMaxArrayDepth, at);
      const GgufValueType element = read_value_type(in, key);
      const auto count = in.read<uint64_t>("an array length");
      HFCPP_CHECK(count <= in.left() / min_value_bytes(element), ErrorCode::Format,
                  "[gguf] key '{}': array of {} {} at byte {} cannot fit in the {} bytes left in the file", key, count,
                  gguf_value_type_name(element), at, in.left());
      std::vector<GgufValue> items;
      items.reserve(static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) {
        GgufValueType item_type = element;
        items.push_back(read_value(in, item_type, key, depth + 1));
      }
      return GgufValue::array(element, std::move(items));
    }
  }
  HFCPP_THROW(ErrorCode::Internal, "[gguf] unhandled value type");
}

void check_header_start(Cursor& in) {
  const auto magic = in.read<uint32_t>("the magic \"GGUF\"");
  if (magic != kMagic) {
    char shown[5] = {};
    std::memcpy(shown, &magic, 4);
    for (char& c : shown)
      if (c && (c < 0x20 || c > 0x7e)) c = '?';
    HFCPP_THROW(ErrorCode::Format, "[gguf] bad magic at byte 0: got \"{}\" (0x{:08x}), expected \"GGUF\"", shown,
                magic);
  }
}

uint32_t check_version(Cursor& in) {
  const auto version = in.read<uint32_t>("the version");
  HFCPP_CHECK(version != 1, ErrorCode::Unsupported,
              "[gguf] version 1 at byte 4: GGUF v1 (32-bit counts, pre-August 2023) is not supported, expected "
              "version 2 or 3; re-convert the model with a current llama.cpp");
  // A big-endian file's version reads byte-swapped here: 2 or 3 in the high bytes.
  HFCPP_CHECK((version & 0xFFFF) != 0, ErrorCode::Unsupported,
              "[gguf] version field 0x{:08x} at byte 4 is a byte-swapped {}: this is a big-endian GGUF file, "
              "expected little-endian (big-endian files are not supported)",
              version, __builtin_bswap32(version));
  HFCPP_CHECK(version == 2 || version == 3, ErrorCode::Unsupported,
              "[gguf] version {} at byte 4: expected 2 or 3", version);
  return version;
}

uint32_t alignment_from(const std::vector<GgufKeyValue>& metadata) {
  for (const auto& kv : metadata) {
    if (kv.key != "general.alignment") continue;
    HFCPP_CHECK(kv.value.type() == GgufValueType::U32, ErrorCode::Format,
                "[gguf] key 'general.alignment' at byte {} has type {}, expected UINT32", kv.file_offset,
                gguf_value_type_name(kv.value.type()));
    const uint64_t a = kv.value.bits();
    HFCPP_CHECK(a != 0 && (a & (a - 1)) == 0, ErrorCode::Format,
                "[gguf] key 'general.alignment' at byte {} is {}, expected a non-zero power of two", kv.file_offset, a);
    return static_cast<uint32_t>(a);
  }
  return kGgufDefaultAlignment;
}

GgufTensorInfo read_tensor_info(Cursor& in) {
  GgufTensorInfo t;
  t.info_offset = in.pos();
  t.name = in.read_string("a tensor name");
  const uint64_t dims_at = in.pos();
  const auto n_dims = in.read<uint32_t>("a tensor's n_dims");
  HFCPP_CHECK(n_dims <= static_cast<uint32_t>(kGgufMaxDims), ErrorCode::Format,
              "[gguf] tensor '{}': n_dims {} at byte {}, expected at most {}", t.name, n_dims, dims_at, kGgufMaxDims);
  t.ne.resize(n_dims);
  uint64_t numel = 1;
  uint64_t nonzero_product = 1;  // a zero dim must not hide an overflowing shape (torch refuses those too)
  for (uint32_t d = 0; d < n_dims; ++d) {
    const uint64_t at = in.pos();
    t.ne[d] = in.read<uint64_t>("a tensor dimension");
    HFCPP_CHECK(t.ne[d] <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), ErrorCode::Format,
                "[gguf] tensor '{}': dimension {} = {} at byte {} does not fit int64", t.name, d, t.ne[d], at);
    HFCPP_CHECK(t.ne[d] == 0 || nonzero_product <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / t.ne[d],
                ErrorCode::Format, "[gguf] tensor '{}': element count of shape {} overflows int64 (dims at byte {})",
                t.name, fmt::join(t.ne, " x "), dims_at);
    if (t.ne[d] != 0) nonzero_product *= t.ne[d];
    numel *= t.ne[d];
  }
  const uint64_t type_at = in.pos();
  const auto type_id = in.read<uint32_t>("a tensor's ggml type");
  const auto info = quant::ggml_type_info(type_id);
  HFCPP_CHECK(info.has_value(), ErrorCode::Unsupported,
              "[gguf] tensor '{}': ggml type id {} at byte {} is not a known ggml type (removed or newer than hfcpp)",
              t.name, type_id, type_at);
  t.type = info->type;
  const uint64_t ne0 = n_dims > 0 ? t.ne[0] : 1;
  HFCPP_CHECK(ne0 % info->block_size == 0, ErrorCode::Format,
              "[gguf] tensor '{}': rows of {} elements are not a whole number of {}-element {} blocks", t.name, ne0,
              info->block_size, info->name);
  // numel / block_size * type_size cannot overflow: numel < 2^63 and type_size <= 292 < block_size * 2.
  const uint64_t blocks = numel / info->block_size;
  HFCPP_CHECK(blocks <= std::numeric_limits<uint64_t>::max() / info->type_size, ErrorCode::Format,
              "[gguf] tensor '{}': byte size overflows", t.name);
  t.nbytes = blocks * info->type_size;
  t.offset = in.read<uint64_t>("a tensor's data offset");
  return t;
}

}  // namespace

GgufHeader parse_gguf_header(std::span<const std::byte> file_bytes) {
  Cursor in(file_bytes);
  GgufHeader h;
  check_header_start(in);
  h.version = check_version(in);
  const auto n_tensors = in.read<uint64_t>("the tensor count");
  const auto n_kv = in.read<uint64_t>("the metadata key/value count");
  // The smallest pair is 13 bytes (key length, type, one byte), the smallest tensor info 24.
  HFCPP_CHECK(n_kv <= in.left() / 13, ErrorCode::Format,
              "[gguf] metadata count {} at byte 16 cannot fit in the {} bytes left (each pair takes at least 13)",
              n_kv, in.left());
  HFCPP_CHECK(n_tensors <= in.left() / 24, ErrorCode::Format,
              "[gguf] tensor count {} at byte 8 cannot fit in the {} bytes left (each tensor info takes at least 24)",
              n_tensors, in.left());

  std::unordered_set<std::string> keys;
  h.metadata.reserve(static_cast<size_t>(n_kv));
  for (uint64_t i = 0; i < n_kv; ++i) {
    GgufKeyValue kv;
    kv.file_offset = in.pos();
    kv.key = in.read_string("a metadata key");
    HFCPP_CHECK(keys.insert(kv.key).second, ErrorCode::Format, "[gguf] key '{}' at byte {} appears twice", kv.key,
                kv.file_offset);
    try {
      const GgufValueType type = read_value_type(in, kv.key);
      kv.value = read_value(in, type, kv.key, 0);
    } catch (Error& e) {
      if (e.message().find("'" + kv.key + "'") == std::string::npos)
        e.with_context(fmt::format("in the value of key '{}' (pair at byte {})", kv.key, kv.file_offset));
      throw;
    }
    h.metadata.push_back(std::move(kv));
  }
  h.alignment = alignment_from(h.metadata);

  std::unordered_set<std::string> names;
  h.tensors.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t info_at = in.pos();
    GgufTensorInfo t;
    try {
      t = read_tensor_info(in);
    } catch (Error& e) {
      e.with_context(fmt::format("in tensor info {} of {} (at byte {})", i, n_tensors, info_at));
      throw;
    }
    HFCPP_CHECK(names.insert(t.name).second, ErrorCode::Format, "[gguf] tensor '{}' at byte {} appears twice", t.name,
                t.info_offset);
    HFCPP_CHECK(t.offset % h.alignment == 0, ErrorCode::Format,
                "[gguf] tensor '{}' (info at byte {}): data offset {} is not a multiple of the alignment {}", t.name,
                t.info_offset, t.offset, h.alignment);
    h.tensors.push_back(std::move(t));
  }

  // The data section starts at the next alignment boundary (pos < 2^63, alignment <= 2^31).
  h.data_offset = (in.pos() + h.alignment - 1) / h.alignment * h.alignment;
  const uint64_t size = in.size();
  const uint64_t data_size = h.data_offset <= size ? size - h.data_offset : 0;
  HFCPP_CHECK(h.tensors.empty() || h.data_offset <= size, ErrorCode::Format,
              "[gguf] file truncated: the data section starts at byte {}, the file has {} bytes", h.data_offset, size);
  for (const auto& t : h.tensors)
    HFCPP_CHECK(t.offset <= data_size && t.nbytes <= data_size - t.offset, ErrorCode::Format,
                "[gguf] tensor '{}' (info at byte {}): {} bytes at data offset {} (file byte {}) run past the end "
                "of the file: the data section has {} bytes ({} [{}])",
                t.name, t.info_offset, t.nbytes, t.offset, h.data_offset + std::min(t.offset, size), data_size,
                t.type_name(), fmt::join(t.ne, ", "));

  std::vector<const GgufTensorInfo*> by_offset;
  by_offset.reserve(h.tensors.size());
  for (const auto& t : h.tensors)
    if (t.nbytes > 0) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    HFCPP_CHECK(by_offset[i - 1]->offset + by_offset[i - 1]->nbytes <= by_offset[i]->offset, ErrorCode::Format,
                "[gguf] tensors '{}' [{}, {}) and '{}' [{}, {}) overlap in the data section", by_offset[i - 1]->name,
                by_offset[i - 1]->offset, by_offset[i - 1]->offset + by_offset[i - 1]->nbytes, by_offset[i]->name,
                by_offset[i]->offset, by_offset[i]->offset + by_offset[i]->nbytes);
  return h;
}

}  // namespace hfcpp::formats
