// Validating parser for the safetensors header. The JSON is read through nlohmann's SAX
// interface straight into typed fields: nothing of unbounded size or depth is built, an
// unexpected JSON type stops the parse at once, and each error names the tensor and field.
// Accepts what the reference (safetensors 0.8.0, serde) accepts, except that a tensor name
// appearing twice is refused (serde keeps the last one silently).
#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"

namespace hfcpp::formats {

using tensor::DType;

namespace {

// The reference's Dtype enum, in declaration order (the order the writer sorts by).
const std::array<SafetensorsDTypeName, 22> kDTypeNames = {{
    {"BOOL", 8, 0, DType::Bool},
    {"F4", 4, 1, std::nullopt},
    {"F6_E2M3", 6, 2, std::nullopt},
    {"F6_E3M2", 6, 3, std::nullopt},
    {"U8", 8, 4, DType::U8},
    {"I8", 8, 5, DType::I8},
    {"F8_E5M2", 8, 6, DType::F8_E5M2},
    {"F8_E4M3", 8, 7, DType::F8_E4M3},
    {"F8_E8M0", 8, 8, std::nullopt},
    {"F8_E4M3FNUZ", 8, 9, std::nullopt},
    {"F8_E5M2FNUZ", 8, 10, std::nullopt},
    {"I16", 16, 11, DType::I16},
    {"U16", 16, 12, DType::U16},
    {"F16", 16, 13, DType::F16},
    {"BF16", 16, 14, DType::BF16},
    {"I32", 32, 15, DType::I32},
    {"U32", 32, 16, DType::U32},
    {"F32", 32, 17, DType::F32},
    {"C64", 64, 18, std::nullopt},
    {"F64", 64, 19, DType::F64},
    {"I64", 64, 20, DType::I64},
    {"U64", 64, 21, DType::U64},
}};

constexpr int kMaxJsonDepth = 128;  // serde_json's recursion limit

// Length of the valid UTF-8 prefix of s (RFC 3629: no overlongs, surrogates or > U+10FFFF).
size_t valid_utf8_prefix(std::span<const std::byte> s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (n - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
    }
    i += len;
  }
  return n;
}

// Printable form of a name for one-line messages (control bytes escaped, long names cut).
std::string printable_name(std::string_view s) {
  std::string out = "'";
  for (char ch : s.substr(0, 120)) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  if (s.size() > 120) out += "...";
  return out + "'";
}

class HeaderSax {
 public:
  using json = nlohmann::json;
  explicit HeaderSax(SafetensorsHeader& out) : out_(out) {}

  bool null() { return scalar("null"); }
  bool boolean(bool) { return scalar("a boolean"); }
  bool number_integer(json::number_integer_t v) {
    if (v >= 0) return number_unsigned(static_cast<json::number_unsigned_t>(v));  // "-0"
    if (skipping()) return true;
    if (state_ == State::ShapeArray || state_ == State::OffsetsArray)
      fail("{} contains the negative number {}, expected a non-negative integer", where(), v);
    return scalar("a number");
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (skipping()) return true;
    if (state_ == State::ShapeArray) {
      HFCPP_CHECK(v <= static_cast<uint64_t>(INT64_MAX), ErrorCode::Format,
                  "[safetensors] {} has the dimension {}, more than 2^63-1", where(), v);
      current_.shape.push_back(static_cast<int64_t>(v));
      return true;
    }
    if (state_ == State::OffsetsArray) {
      HFCPP_CHECK(offsets_seen_ < 2, ErrorCode::Format,
                  "[safetensors] {} has more than 2 entries, expected [begin, end]", where());
      (offsets_seen_++ == 0 ? current_.data_begin : current_.data_end) = v;
      return true;
    }
    return scalar("a number");
  }
  bool number_float(json::number_float_t, const json::string_t& text) {
    if (skipping()) return true;
    if (state_ == State::ShapeArray || state_ == State::OffsetsArray)
      fail("{} contains {}, expected a non-negative integer below 2^64", where(), text);
    return scalar("a number");
  }
  bool binary(json::binary_t&) { return scalar("binary"); }

  bool string(json::string_t& s) {
    if (skipping()) return true;
    switch (state_) {
      case State::MetadataObject:
        out_.metadata[meta_key_] = std::move(s);
        return true;
      case State::TensorField:
        if (field_ == "dtype") {
          const SafetensorsDTypeName* dt = find_safetensors_dtype(s);
          if (dt == nullptr) fail("tensor {}: unknown dtype {}, expected one of {}", printable_name(current_.name), printable_name(s), dtype_list());
          current_.dtype_name = dt->name;
          current_.dtype = dt->hfcpp_dtype;
          current_.dtype_bits = dt->bits;
          state_ = State::TensorObject;
          return true;
        }
        [[fallthrough]];
      default:
        return scalar("a string");
    }
  }

  bool start_object(std::size_t) {
    if (enter_nested()) return true;
    switch (state_) {
      case State::Start: state_ = State::TopObject; return true;
      case State::TopValue:
        if (current_is_metadata_) {
          out_.has_metadata = true;
          state_ = State::MetadataObject;
        } else {
          state_ = State::TensorObject;
        }
        return true;
      default: return scalar("an object");
    }
  }
  bool end_object() {
    if (leave_nested()) return true;
    switch (state_) {
      case State::MetadataObject: state_ = State::TopObject; return true;
      case State::TensorObject: finish_tensor(); state_ = State::TopObject; return true;
      case State::TopObject: state_ = State::Done; return true;
      default: fail("unexpected end of object in {}", where());
    }
  }
  bool start_array(std::size_t) {
    if (enter_nested()) return true;
    if (state_ == State::TensorField && field_ == "shape") {
      state_ = State::ShapeArray;
      return true;
    }
    if (state_ == State::TensorField && field_ == "data_offsets") {
      state_ = State::OffsetsArray;
      return true;
    }
    return scalar("an array");
  }
  bool end_array() {
    if (leave_nested()) return true;
    if (state_ == State::OffsetsArray)
      HFCPP_CHECK(offsets_seen_ == 2, ErrorCode::Format,
                  "[safetensors] {} has {} entries, expected 2 ([begin, end])", where(), offsets_seen_);
    if (state_ != State::ShapeArray && state_ != State::OffsetsArray) fail("unexpected end of array in {}", where());
    state_ = State::TensorObject;
    return true;
  }

  bool key(json::string_t& k) {
    if (skipping()) return true;
    switch (state_) {
      case State::TopObject:
        if (k == "__metadata__") {
          current_is_metadata_ = true;
          HFCPP_CHECK(!out_.has_metadata, ErrorCode::Format,
                      "[safetensors] header has '__metadata__' twice");
        } else {
          current_is_metadata_ = false;
          HFCPP_CHECK(seen_names_.insert(k).second, ErrorCode::Format,
                      "[safetensors] header lists tensor {} twice", printable_name(k));
          current_ = SafetensorsTensorInfo{};
          current_.name = std::move(k);
          fields_seen_ = 0;
          offsets_seen_ = 0;
        }
        state_ = State::TopValue;
        return true;
      case State::MetadataObject:
        meta_key_ = std::move(k);
        return true;
      case State::TensorObject: {
        int bit = k == "dtype" ? 1 : k == "shape" ? 2 : k == "data_offsets" ? 4 : 0;
        if (bit == 0) {  // unknown fields are ignored, as serde does
          skip_next_value_ = true;
          return true;
        }
        HFCPP_CHECK(!(fields_seen_ & bit), ErrorCode::Format,
                    "[safetensors] tensor {}: field '{}' appears twice", printable_name(current_.name), k);
        fields_seen_ |= bit;
        field_ = std::move(k);
        state_ = State::TensorField;
        return true;
      }
      default: fail("unexpected key {} in {}", printable_name(k), where());
    }
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 5: " prefix.
    if (auto colon = what.find(": "); what.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
      what = what.substr(colon + 2);
    HFCPP_THROW(ErrorCode::Format, "[safetensors] header is not valid JSON at byte {}: {}",
                8 + (position > 0 ? position - 1 : 0), what);
  }

  void finish() const {
    HFCPP_CHECK(state_ == State::Done, ErrorCode::Format, "[safetensors] header JSON ended early");
  }

 private:
  enum class State { Start, TopObject, TopValue, MetadataObject, TensorObject, TensorField, ShapeArray, OffsetsArray, Done };

  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    throw Error(ErrorCode::Format, "[safetensors] " + fmt::format(f, std::forward<Args>(args)...));
  }

  bool skipping() {
    if (skip_depth_ > 0) return true;
    if (skip_next_value_) {  // a scalar value of an ignored field
      skip_next_value_ = false;
      return true;
    }
    return false;
  }
  // Objects/arrays inside ignored fields are skipped, counting depth only.
  bool enter_nested() {
    if (skip_depth_ > 0 || skip_next_value_) {
      skip_next_value_ = false;
      ++skip_depth_;
      HFCPP_CHECK(skip_depth_ + 3 <= kMaxJsonDepth, ErrorCode::Format,
                  "[safetensors] header JSON nests deeper than {} levels", kMaxJsonDepth);
      return true;
    }
    return false;
  }
  bool leave_nested() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    return false;
  }

  std::string where() const {
    switch (state_) {
      case State::Start: return "the header (expected a JSON object)";
      case State::TopObject: return "the header object";
      case State::TopValue:
        return current_is_metadata_ ? std::string("'__metadata__' (expected an object of strings or null)")
                                    : fmt::format("tensor {} (expected an object)", printable_name(current_.name));
      case State::MetadataObject: return fmt::format("'__metadata__' key {} (expected a string value)", printable_name(meta_key_));
      case State::TensorObject: return fmt::format("tensor {}", printable_name(current_.name));
      case State::TensorField:
        return fmt::format("tensor {} field '{}' (expected {})", printable_name(current_.name), field_,
                           field_ == "dtype" ? "a dtype string" : "an array of integers");
      case State::ShapeArray: return fmt::format("tensor {} shape", printable_name(current_.name));
      case State::OffsetsArray: return fmt::format("tensor {} data_offsets", printable_name(current_.name));
      case State::Done: return "the end of the header";
    }
    return "the header";
  }

  bool scalar(const char* got) {
    if (skipping()) return true;
    if (state_ == State::TopValue && current_is_metadata_ && std::strcmp(got, "null") == 0) {
      state_ = State::TopObject;  // "__metadata__": null means no metadata
      return true;
    }
    fail("{}: got {}", where(), got);
  }

  void finish_tensor() {
    const char* missing = !(fields_seen_ & 1) ? "dtype" : !(fields_seen_ & 2) ? "shape" : !(fields_seen_ & 4) ? "data_offsets" : nullptr;
    if (missing) fail("tensor {}: missing field '{}'", printable_name(current_.name), missing);
    out_.tensors.push_back(std::move(current_));
  }

  static std::string dtype_list() {
    std::string s;
    for (const auto& d : kDTypeNames) s += (s.empty() ? "" : ", ") + std::string(d.name);
    return s;
  }

  SafetensorsHeader& out_;
  State state_ = State::Start;
  SafetensorsTensorInfo current_;
  bool current_is_metadata_ = false;
  std::string meta_key_;
  std::string field_;
  int fields_seen_ = 0;
  int offsets_seen_ = 0;
  int skip_depth_ = 0;
  bool skip_next_value_ = false;
  std::unordered_set<std::string> seen_names_;
};

// Offsets contiguous from 0 in offset order, sizes matching shape x dtype, as the reference's
// Metadata::validate. Returns the end of the last tensor.
uint64_t validate_layout(std::vector<SafetensorsTensorInfo>& tensors) {
  std::vector<const SafetensorsTensorInfo*> by_offset;
  by_offset.reserve(tensors.size());
  for (const auto& t : tensors) by_offset.push_back(&t);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) {
    return std::pair(a->data_begin, a->data_end) < std::pair(b->data_begin, b->data_end);
  });
  uint64_t expected_begin = 0;
  const SafetensorsTensorInfo* previous = nullptr;
  for (const auto* t : by_offset) {
    HFCPP_CHECK(t->data_end >= t->data_begin, ErrorCode::Format,
                "[safetensors] tensor {}: data_offsets [{}, {}] end before they begin", printable_name(t->name),
                t->data_begin, t->data_end);
    HFCPP_CHECK(t->data_begin <= expected_begin, ErrorCode::Format,
                "[safetensors] tensor {}: data_offsets [{}, {}] leave a hole: bytes [{}, {}) of "
                "the data section belong to no tensor",
                printable_name(t->name), t->data_begin, t->data_end, expected_begin, t->data_begin);
    HFCPP_CHECK(t->data_begin >= expected_begin, ErrorCode::Format,
                "[safetensors] tensor {}: data_offsets [{}, {}] overlap tensor {}, which ends at {}",
                printable_name(t->name), t->data_begin, t->data_end, previous ? printable_name(previous->name) : "", expected_begin);
    uint64_t elements = 1;
    int64_t signed_elements = 1;
    for (int64_t d : t->shape) {
      bool overflow = __builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements) ||
                      __builtin_mul_overflow(signed_elements, d, &signed_elements);
      HFCPP_CHECK(!overflow, ErrorCode::Format,
                  "[safetensors] tensor {}: shape {} overflows a 64-bit element count", printable_name(t->name),
                  tensor::shape_to_string(t->shape));
    }
    uint64_t bits = 0;
    HFCPP_CHECK(!__builtin_mul_overflow(elements, uint64_t{t->dtype_bits}, &bits), ErrorCode::Format,
                "[safetensors] tensor {}: shape {} of {} overflows a 64-bit byte count", printable_name(t->name),
                tensor::shape_to_string(t->shape), t->dtype_name);
    HFCPP_CHECK(bits % 8 == 0, ErrorCode::Format,
                "[safetensors] tensor {}: shape {} of {} is {} bits, not a whole number of bytes",
                printable_name(t->name), tensor::shape_to_string(t->shape), t->dtype_name, bits);
    HFCPP_CHECK(t->data_end - t->data_begin == bits / 8, ErrorCode::Format,
                "[safetensors] tensor {}: data_offsets [{}, {}] hold {} bytes, but shape {} of {} "
                "needs {} bytes",
                printable_name(t->name), t->data_begin, t->data_end, t->data_end - t->data_begin,
                tensor::shape_to_string(t->shape), t->dtype_name, bits / 8);
    expected_begin = t->data_end;
    previous = t;
  }
  return expected_begin;
}

}  // namespace

const SafetensorsDTypeName* find_safetensors_dtype(std::string_view name) {
  for (const auto& d : kDTypeNames)
    if (name == d.name) return &d;
  return nullptr;
}

const SafetensorsDTypeName& safetensors_dtype_of(tensor::DType dtype) {
  for (const auto& d : kDTypeNames)
    if (d.hfcpp_dtype == dtype) return d;
  HFCPP_THROW(ErrorCode::Unsupported, "[safetensors] dtype {} has no safetensors name",
              tensor::dtype_name(dtype));
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes) {
  const uint64_t file_size = file_bytes.size();
  HFCPP_CHECK(file_size >= 8, ErrorCode::Format,
              "[safetensors] file is {} bytes, too small for the 8-byte header length", file_size);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<uint8_t>(file_bytes[i]);
  HFCPP_CHECK(header_size <= kSafetensorsMaxHeaderSize, ErrorCode::Format,
              "[safetensors] header length {} exceeds the {}-byte limit", header_size,
              kSafetensorsMaxHeaderSize);
  HFCPP_CHECK(header_size <= file_size - 8, ErrorCode::Format,
              "[safetensors] header length {} runs past the end of the {}-byte file (truncated?)",
              header_size, file_size);

  auto json_bytes = file_bytes.subspan(8, header_size);
  size_t valid = valid_utf8_prefix(json_bytes);
  HFCPP_CHECK(valid == json_bytes.size(), ErrorCode::Format,
              "[safetensors] header is not valid UTF-8: bad byte 0x{:02x} at file offset {}",
              static_cast<uint8_t>(json_bytes[valid]), 8 + valid);

  SafetensorsHeader header;
  header.header_size = header_size;
  header.data_size = file_size - 8 - header_size;
  HeaderSax sax(header);
  const char* first = reinterpret_cast<const char*>(json_bytes.data());
  nlohmann::json::sax_parse(first, first + json_bytes.size(), &sax);
  sax.finish();

  uint64_t data_end = validate_layout(header.tensors);
  if (data_end > header.data_size) {
    auto last = std::max_element(header.tensors.begin(), header.tensors.end(),
                                 [](const auto& a, const auto& b) { return a.data_end < b.data_end; });
    HFCPP_THROW(ErrorCode::Format,
                "[safetensors] tensor {}: data_offsets [{}, {}] exceed the {}-byte data section "
                "(file truncated?)",
                printable_name(last->name), last->data_begin, last->data_end, header.data_size);
  }
  HFCPP_CHECK(data_end == header.data_size, ErrorCode::Format,
              "[safetensors] {} bytes after the last tensor: the data section is {} bytes, the "
              "tensors cover {}",
              header.data_size - data_end, header.data_size, data_end);
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return header;
}

}  // namespace hfcpp::formats
