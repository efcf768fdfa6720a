#include "hfcpp/models/config.h"

#include <map>

#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"

namespace hfcpp::models {

ModelConfig ModelConfig::from_file(const std::string& path) {
  std::string text = core::read_file(path);
  return from_json(core::parse_json(text, path), path);
}

ModelConfig ModelConfig::from_json(core::Json json, std::string source) {
  HFCPP_CHECK(json.is_object(), ErrorCode::Format, "[config] {}: top level is {}, expected an object",
              source, core::json_type_name(json));
  ModelConfig c;
  c.json_ = std::move(json);
  c.source_ = std::move(source);
  return c;
}

std::string ModelConfig::model_type() const { return get_string("model_type"); }

std::vector<std::string> ModelConfig::architectures() const {
  std::vector<std::string> out;
  auto it = json_.find("architectures");
  if (it == json_.end() || it->is_null()) return out;
  HFCPP_CHECK(it->is_array(), ErrorCode::Format, "[config] {}: 'architectures' is {}, expected a list",
              source_, core::json_type_name(*it));
  for (const auto& a : *it)
    if (a.is_string()) out.push_back(a.get<std::string>());
  return out;
}

bool ModelConfig::has(const char* key) const {
  auto it = json_.find(key);
  return it != json_.end() && !it->is_null();
}

namespace {
template <class F>
auto with_source(const std::string& source, F&& f) {
  try {
    return f();
  } catch (Error& e) {
    throw std::move(e).with_context(source);
  }
}
}  // namespace

int64_t ModelConfig::get_int(const char* key) const {
  return with_source(source_, [&] { return core::json_int(json_, key, ""); });
}
double ModelConfig::get_float(const char* key) const {
  return with_source(source_, [&] { return core::json_number(json_, key, ""); });
}
std::string ModelConfig::get_string(const char* key) const {
  return with_source(source_, [&] { return core::json_string(json_, key, ""); });
}
int64_t ModelConfig::get_int(const char* key, int64_t fallback) const {
  return with_source(source_, [&] { return core::json_int_or(json_, key, fallback, ""); });
}
double ModelConfig::get_float(const char* key, double fallback) const {
  return with_source(source_, [&] { return core::json_number_or(json_, key, fallback, ""); });
}
std::string ModelConfig::get_string(const char* key, const std::string& fallback) const {
  return with_source(source_, [&] { return core::json_string_or(json_, key, fallback, ""); });
}
bool ModelConfig::get_bool(const char* key, bool fallback) const {
  return with_source(source_, [&] { return core::json_bool_or(json_, key, fallback, ""); });
}

int64_t ModelConfig::get_dim(const char* key, int64_t max) const {
  int64_t v = get_int(key);
  HFCPP_CHECK(v >= 1 && v <= max, ErrorCode::Format, "[config] {}: '{}' is {}, expected 1..{}",
              source_, key, v, max);
  return v;
}

int64_t ModelConfig::get_dim(const char* key, int64_t fallback, int64_t max) const {
  int64_t v = get_int(key, fallback);
  HFCPP_CHECK(v >= 1 && v <= max, ErrorCode::Format, "[config] {}: '{}' is {}, expected 1..{}",
              source_, key, v, max);
  return v;
}

std::optional<tensor::DType> ModelConfig::torch_dtype() const {
  for (const char* key : {"torch_dtype", "dtype"}) {
    auto it = json_.find(key);
    if (it != json_.end() && it->is_string()) return tensor::parse_dtype(it->get<std::string>());
  }
  return std::nullopt;
}

std::vector<std::string> ModelConfig::labels() const {
  std::map<int64_t, std::string> by_id;
  auto it = json_.find("id2label");
  if (it != json_.end() && it->is_object()) {
    for (auto& [k, v] : it->items()) {
      HFCPP_CHECK(v.is_string(), ErrorCode::Format, "[config] {}: id2label['{}'] is {}, expected a string",
                  source_, k, core::json_type_name(v));
      char* end = nullptr;
      long long id = std::strtoll(k.c_str(), &end, 10);
      HFCPP_CHECK(end && *end == '\0' && id >= 0 && id < (1 << 20), ErrorCode::Format,
                  "[config] {}: id2label key '{}' is not a label id", source_, k);
      by_id[id] = v.get<std::string>();
    }
  }
  int64_t n = get_int("num_labels", by_id.empty() ? 2 : static_cast<int64_t>(by_id.rbegin()->first + 1));
  HFCPP_CHECK(n >= 1 && n <= (1 << 20), ErrorCode::Format, "[config] {}: num_labels is {}", source_, n);
  std::vector<std::string> out(n);
  for (int64_t i = 0; i < n; ++i) {
    auto f = by_id.find(i);
    out[i] = f != by_id.end() ? f->second : "LABEL_" + std::to_string(i);
  }
  return out;
}

}  // namespace hfcpp::models
