#include "hubserver/card_data.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "hfcpp/core/error.h"

namespace hfcpp::hubserver {
namespace {

// Where the front matter ends: [begin, end) of the YAML text and the offset of the body.
bool split_front_matter(const std::string& readme, size_t& yaml_begin, size_t& yaml_end, size_t& body_begin) {
  size_t start = readme.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  if (readme.compare(start, 3, "---") != 0) return false;
  size_t line_end = readme.find('\n', start);
  if (line_end == std::string::npos) return false;
  for (size_t i = start + 3; i < line_end; ++i)
    if (readme[i] != ' ' && readme[i] != '\t' && readme[i] != '\r') return false;
  yaml_begin = line_end + 1;
  size_t pos = yaml_begin;
  while (pos < readme.size()) {
    size_t eol = readme.find('\n', pos);
    if (eol == std::string::npos) eol = readme.size();
    std::string_view line(readme.data() + pos, eol - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line == "---") {
      yaml_end = pos;
      body_begin = std::min(readme.size(), eol + 1);
      return true;
    }
    pos = eol + 1;
  }
  return false;
}

core::Json to_json(const YAML::Node& node, int depth) {
  HFCPP_CHECK(depth < 64, ErrorCode::Format, "[model card] YAML nested deeper than 64 levels");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      core::Json arr = core::Json::array();
      for (const auto& item : node) arr.push_back(to_json(item, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      core::Json obj = core::Json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = to_json(kv.second, depth + 1);
      return obj;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "!") return s;  // quoted scalar: always a string
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-')) {
        char* end = nullptr;
        long long i = std::strtoll(s.c_str(), &end, 10);
        if (end && *end == '\0') return i;
        double d = std::strtod(s.c_str(), &end);
        if (end && *end == '\0') return d;
      }
      return s;
    }
  }
  return nullptr;
}

void add_unique(std::vector<std::string>& out, const std::string& tag) {
  if (!tag.empty() && std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
}

void add_all(std::vector<std::string>& out, const core::Json& value, const std::string& prefix) {
  if (value.is_string()) add_unique(out, prefix + value.get<std::string>());
  if (value.is_array())
    for (const auto& v : value)
      if (v.is_string()) add_unique(out, prefix + v.get<std::string>());
}

}  // namespace

core::Json parse_card_front_matter(const std::string& readme) {
  size_t b = 0, e = 0, body = 0;
  if (!split_front_matter(readme, b, e, body)) return nullptr;
  YAML::Node root;
  try {
    root = YAML::Load(readme.substr(b, e - b));
  } catch (const YAML::Exception& ex) {
    HFCPP_THROW(ErrorCode::Format, "[model card] README.md front matter is not valid YAML: {}", ex.what());
  }
  if (root.IsNull()) return core::Json::object();
  HFCPP_CHECK(root.IsMap(), ErrorCode::Format, "[model card] README.md front matter must be a YAML mapping");
  try {
    return to_json(root, 0);
  } catch (const YAML::Exception& ex) {
    HFCPP_THROW(ErrorCode::Format, "[model card] README.md front matter: {}", ex.what());
  }
}

std::string card_body(const std::string& readme) {
  size_t b = 0, e = 0, body = 0;
  if (!split_front_matter(readme, b, e, body)) return readme;
  return readme.substr(body);
}

std::string card_field(const core::Json& card, const char* key) {
  if (!card.is_object() || !card.contains(key)) return "";
  const auto& v = card[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty() && v[0].is_string()) return v[0].get<std::string>();
  return "";
}

std::vector<std::string> card_tags(const core::Json& card) {
  std::vector<std::string> out;
  if (!card.is_object()) return out;
  add_all(out, card.value("library_name", core::Json()), "");
  add_all(out, card.value("pipeline_tag", core::Json()), "");
  add_all(out, card.value("tags", core::Json()), "");
  add_all(out, card.value("language", core::Json()), "");
  add_all(out, card.value("datasets", core::Json()), "dataset:");
  add_all(out, card.value("base_model", core::Json()), "base_model:");
  add_all(out, card.value("license", core::Json()), "license:");
  return out;
}

}  // namespace hfcpp::hubserver
