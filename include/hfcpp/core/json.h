// JSON through nlohmann::json (Debian's nlohmann-json3-dev). parse_json turns its exceptions
// into hfcpp::Error(Format) naming the source and byte position; the typed getters name the
// JSON path when a field is missing or of the wrong type.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hfcpp::core {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// source names the input in errors ("tokenizer.json", "safetensors header").
Json parse_json(std::string_view text, std::string_view source);
OrderedJson parse_ordered_json(std::string_view text, std::string_view source);

// Field access with clear errors: "[source] missing field 'model.vocab' (expected object)".
const Json& json_at(const Json& obj, std::string_view key, std::string_view path);
std::string json_string(const Json& obj, std::string_view key, std::string_view path);
int64_t json_int(const Json& obj, std::string_view key, std::string_view path);
double json_number(const Json& obj, std::string_view key, std::string_view path);
bool json_bool(const Json& obj, std::string_view key, std::string_view path);
// Optional variants return the fallback when the key is absent or null.
std::string json_string_or(const Json& obj, std::string_view key, std::string fallback,
                           std::string_view path);
int64_t json_int_or(const Json& obj, std::string_view key, int64_t fallback, std::string_view path);
double json_number_or(const Json& obj, std::string_view key, double fallback, std::string_view path);
bool json_bool_or(const Json& obj, std::string_view key, bool fallback, std::string_view path);

std::string json_type_name(const Json& value);

}  // namespace hfcpp::core
