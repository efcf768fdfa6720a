// GgufValue: construction, checked accessors and JSON / display forms.
#include <bit>
#include <cmath>
#include <limits>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"

namespace hfcpp::formats {

const char* gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::U8: return "UINT8";
    case GgufValueType::I8: return "INT8";
    case GgufValueType::U16: return "UINT16";
    case GgufValueType::I16: return "INT16";
    case GgufValueType::U32: return "UINT32";
    case GgufValueType::I32: return "INT32";
    case GgufValueType::F32: return "FLOAT32";
    case GgufValueType::Bool: return "BOOL";
    case GgufValueType::String: return "STRING";
    case GgufValueType::Array: return "ARRAY";
    case GgufValueType::U64: return "UINT64";
    case GgufValueType::I64: return "INT64";
    case GgufValueType::F64: return "FLOAT64";
  }
  return "UNKNOWN";
}

GgufValue GgufValue::f32(float v) { return scalar(GgufValueType::F32, std::bit_cast<uint32_t>(v)); }
GgufValue GgufValue::f64(double v) { return scalar(GgufValueType::F64, std::bit_cast<uint64_t>(v)); }

GgufValue GgufValue::string(std::string v) {
  GgufValue out;
  out.type_ = GgufValueType::String;
  out.string_ = std::move(v);
  return out;
}

GgufValue GgufValue::array(GgufValueType element_type, std::vector<GgufValue> items) {
  for (const auto& item : items)
    HFCPP_CHECK(item.type() == element_type, ErrorCode::InvalidArgument,
                "[gguf] array item of type {}: expected the array's element type {}",
                gguf_value_type_name(item.type()), gguf_value_type_name(element_type));
  GgufValue out;
  out.type_ = GgufValueType::Array;
  out.element_type_ = element_type;
  out.items_ = std::move(items);
  return out;
}

GgufValue GgufValue::string_array(const std::vector<std::string>& items) {
  std::vector<GgufValue> values;
  values.reserve(items.size());
  for (const auto& s : items) values.push_back(string(s));
  return array(GgufValueType::String, std::move(values));
}

bool GgufValue::is_integer() const {
  switch (type_) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::U16: case GgufValueType::I16:
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::U64: case GgufValueType::I64:
      return true;
    default:
      return false;
  }
}

namespace {
[[noreturn]] void wrong_type(GgufValueType have, const char* wanted) {
  HFCPP_THROW(ErrorCode::InvalidArgument, "[gguf] metadata value of type {}: expected {}", gguf_value_type_name(have),
              wanted);
}
}  // namespace

int64_t GgufValue::as_int() const {
  if (!is_integer()) wrong_type(type_, "an integer");
  HFCPP_CHECK(type_ != GgufValueType::U64 || bits_ <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
              ErrorCode::InvalidArgument, "[gguf] UINT64 value {} does not fit a signed 64-bit integer", bits_);
  return static_cast<int64_t>(bits_);
}

uint64_t GgufValue::as_uint() const {
  if (!is_integer()) wrong_type(type_, "an integer");
  if (type_ == GgufValueType::U64) return bits_;
  const int64_t v = static_cast<int64_t>(bits_);
  HFCPP_CHECK(v >= 0, ErrorCode::InvalidArgument, "[gguf] {} value {}: expected a non-negative integer",
              gguf_value_type_name(type_), v);
  return static_cast<uint64_t>(v);
}

double GgufValue::as_double() const {
  if (type_ == GgufValueType::F32) return std::bit_cast<float>(static_cast<uint32_t>(bits_));
  if (type_ == GgufValueType::F64) return std::bit_cast<double>(bits_);
  if (type_ == GgufValueType::U64) return static_cast<double>(bits_);
  if (is_integer()) return static_cast<double>(static_cast<int64_t>(bits_));
  wrong_type(type_, "a number");
}

bool GgufValue::as_bool() const {
  if (type_ != GgufValueType::Bool) wrong_type(type_, "BOOL");
  return bits_ != 0;
}

const std::string& GgufValue::as_string() const {
  if (type_ != GgufValueType::String) wrong_type(type_, "STRING");
  return string_;
}

GgufValueType GgufValue::element_type() const {
  if (type_ != GgufValueType::Array) wrong_type(type_, "ARRAY");
  return element_type_;
}

const std::vector<GgufValue>& GgufValue::items() const {
  if (type_ != GgufValueType::Array) wrong_type(type_, "ARRAY");
  return items_;
}

std::vector<std::string> GgufValue::as_string_vector() const {
  if (type_ != GgufValueType::Array || element_type_ != GgufValueType::String)
    wrong_type(type_ == GgufValueType::Array ? element_type_ : type_, "an ARRAY of STRING");
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& item : items_) out.push_back(item.string_);
  return out;
}

namespace {
std::string element_type_plural(const GgufValue& v) {
  switch (v.element_type()) {
    case GgufValueType::String: return "strings";
    case GgufValueType::Array: return "arrays";
    case GgufValueType::Bool: return "bools";
    default: {
      std::string name = gguf_value_type_name(v.element_type());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return name + "s";
    }
  }
}

core::OrderedJson float_json(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}
}  // namespace

core::OrderedJson GgufValue::to_json(size_t max_items) const {
  switch (type_) {
    case GgufValueType::Bool: return bits_ != 0;
    case GgufValueType::String: return string_;
    case GgufValueType::U64: return bits_;
    case GgufValueType::F32: return float_json(std::bit_cast<float>(static_cast<uint32_t>(bits_)));
    case GgufValueType::F64: return float_json(std::bit_cast<double>(bits_));
    case GgufValueType::Array: {
      if (items_.size() > max_items) return fmt::format("[{} {}]", items_.size(), element_type_plural(*this));
      core::OrderedJson out = core::OrderedJson::array();
      for (const auto& item : items_) out.push_back(item.to_json(max_items));
      return out;
    }
    default: return static_cast<int64_t>(bits_);  // the other integers are stored sign-extended
  }
}

std::string GgufValue::to_display(size_t max_items) const {
  if (type_ == GgufValueType::Array && items_.size() > max_items)
    return fmt::format("[{} {}]", items_.size(), element_type_plural(*this));
  if (type_ == GgufValueType::F32) return fmt::format("{}", std::bit_cast<float>(static_cast<uint32_t>(bits_)));
  return to_json(max_items).dump(-1, ' ', false, core::OrderedJson::error_handler_t::replace);
}

}  // namespace hfcpp::formats
