#include "hfcpp/core/json.h"

#include "hfcpp/core/error.h"

namespace hfcpp::core {

namespace {
template <class J>
J parse_impl(std::string_view text, std::string_view source) {
  try {
    return J::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    HFCPP_THROW(ErrorCode::Format, "[json] {}: invalid JSON at byte {}: {}", source, e.byte,
                e.what());
  }
}

std::string join_path(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

const Json* find(const Json& obj, std::string_view key, std::string_view path) {
  HFCPP_CHECK(obj.is_object(), ErrorCode::Format, "[json] '{}' is {}, expected an object",
              path.empty() ? "<root>" : path, json_type_name(obj));
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(const Json& v, std::string_view key, std::string_view path,
                             const char* expected) {
  HFCPP_THROW(ErrorCode::Format, "[json] field '{}' is {}, expected {}", join_path(path, key),
              json_type_name(v), expected);
}
}  // namespace

Json parse_json(std::string_view text, std::string_view source) {
  return parse_impl<Json>(text, source);
}
OrderedJson parse_ordered_json(std::string_view text, std::string_view source) {
  return parse_impl<OrderedJson>(text, source);
}

std::string json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    case Json::value_t::binary: return "binary";
    default: return "invalid";
  }
}

const Json& json_at(const Json& obj, std::string_view key, std::string_view path) {
  const Json* v = find(obj, key, path);
  HFCPP_CHECK(v != nullptr, ErrorCode::Format, "[json] missing field '{}'", join_path(path, key));
  return *v;
}

std::string json_string(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = json_at(obj, key, path);
  if (!v.is_string()) wrong_type(v, key, path, "a string");
  return v.get<std::string>();
}

int64_t json_int(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = json_at(obj, key, path);
  if (!v.is_number_integer()) wrong_type(v, key, path, "an integer");
  return v.get<int64_t>();
}

double json_number(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = json_at(obj, key, path);
  if (!v.is_number()) wrong_type(v, key, path, "a number");
  return v.get<double>();
}

bool json_bool(const Json& obj, std::string_view key, std::string_view path) {
  const Json& v = json_at(obj, key, path);
  if (!v.is_boolean()) wrong_type(v, key, path, "a boolean");
  return v.get<bool>();
}

std::string json_string_or(const Json& obj, std::string_view key, std::string fallback,
                           std::string_view path) {
  const Json* v = find(obj, key, path);
  if (!v) return fallback;
  if (!v->is_string()) wrong_type(*v, key, path, "a string");
  return v->get<std::string>();
}

int64_t json_int_or(const Json& obj, std::string_view key, int64_t fallback,
                    std::string_view path) {
  const Json* v = find(obj, key, path);
  if (!v) return fallback;
  if (!v->is_number_integer()) wrong_type(*v, key, path, "an integer");
  return v->get<int64_t>();
}

double json_number_or(const Json& obj, std::string_view key, double fallback,
                      std::string_view path) {
  const Json* v = find(obj, key, path);
  if (!v) return fallback;
  if (!v->is_number()) wrong_type(*v, key, path, "a number");
  return v->get<double>();
}

bool json_bool_or(const Json& obj, std::string_view key, bool fallback, std::string_view path) {
  const Json* v = find(obj, key, path);
  if (!v) return fallback;
  if (!v->is_boolean()) wrong_type(*v, key, path, "a boolean");
  return v->get<bool>();
}

}  // namespace hfcpp::core
