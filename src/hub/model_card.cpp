// README.md front matter: found exactly as huggingface_hub's REGEX_YAML_BLOCK finds it, parsed with
// yaml-cpp and typed the way PyYAML's safe_load types plain scalars (YAML 1.1 implicit resolvers),
// so `hfcpp card show --json` agrees with ModelCard.load(path).data.to_dict().
#include "hfcpp/hub/model_card.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <regex>

#include "hfcpp/core/error.h"

namespace hfcpp::hub {
namespace {

struct FrontMatter {
  size_t yaml_begin = 0, yaml_end = 0, body_begin = 0;
};

// Length of a line break at `pos` ("\r\n", "\r" or "\n"), 0 when there is none.
size_t line_break_at(const std::string& s, size_t pos, bool allow_lone_cr = true) {
  if (pos >= s.size()) return 0;
  if (s[pos] == '\r') return pos + 1 < s.size() && s[pos + 1] == '\n' ? 2 : (allow_lone_cr ? 1 : 0);
  return s[pos] == '\n' ? 1 : 0;
}

// huggingface_hub 1.x's ^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$)), plus a
// tolerated UTF-8 BOM (the Hub's web editor accepts one). 0.x used [\r\n]+ around the delimiters and
// no trailing blanks after the closing "---"; cards written either way read the same in practice.
bool find_front_matter(const std::string& text, FrontMatter& fm) {
  size_t pos = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  if (text.compare(pos, 3, "---") != 0) return false;
  size_t nl = line_break_at(text, pos + 3);
  if (nl == 0) return false;
  fm.yaml_begin = pos + 3 + nl;
  for (size_t p = fm.yaml_begin; p < text.size(); ++p) {
    size_t br = line_break_at(text, p);
    if (br == 0 || text.compare(p + br, 3, "---") != 0) continue;
    size_t q = p + br + 3;
    while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
    size_t end_br = line_break_at(text, q, /*allow_lone_cr=*/false);
    if (q == text.size() || end_br > 0) {
      fm.yaml_end = p;
      fm.body_begin = q + end_br;
      return true;
    }
  }
  return false;
}

// PyYAML's implicit resolvers (yaml/resolver.py), tried in its order for a plain scalar.
const std::regex& bool_re() {
  static const std::regex re("yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
  return re;
}
const std::regex& float_re() {
  static const std::regex re(
      "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
      "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)");
  return re;
}
const std::regex& int_re() {
  static const std::regex re(
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
      "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+");
  return re;
}

// Sign and digits without '_', as PyYAML's constructors strip them.
std::string strip_underscores(const std::string& s, int& sign) {
  std::string v;
  for (char c : s)
    if (c != '_') v += c;
  sign = 1;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
    if (v[0] == '-') sign = -1;
    v.erase(0, 1);
  }
  return v;
}

// Base-60 parts "1:30:05" (the last part may carry a fraction).
double sexagesimal(const std::string& v) {
  double value = 0;
  size_t start = 0;
  while (true) {
    size_t colon = v.find(':', start);
    value = value * 60 + std::stod(v.substr(start, colon - start));
    if (colon == std::string::npos) return value;
    start = colon + 1;
  }
}

core::OrderedJson int_value(const std::string& s) {
  int sign = 1;
  std::string v = strip_underscores(s, sign);
  try {
    if (v.find(':') != std::string::npos) return sign * static_cast<long long>(sexagesimal(v));
    int base = 10;
    if (v.rfind("0b", 0) == 0) base = 2, v.erase(0, 2);
    else if (v.rfind("0x", 0) == 0) base = 16, v.erase(0, 2);
    else if (v.size() > 1 && v[0] == '0') base = 8;
    if (v.empty()) return 0;
    return sign * std::stoll(v, nullptr, base);
  } catch (const std::out_of_range&) {
    return sign * std::stod(v);  // beyond 64 bits: Python keeps an exact int, JSON readers a double
  }
}

core::OrderedJson float_value(const std::string& s) {
  int sign = 1;
  std::string v = strip_underscores(s, sign);
  std::string lower = v;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == ".inf") return sign * std::numeric_limits<double>::infinity();
  if (lower == ".nan") return std::numeric_limits<double>::quiet_NaN();
  if (v.find(':') != std::string::npos) return sign * sexagesimal(v);
  return sign * std::stod(v);
}

core::OrderedJson plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (std::regex_match(s, bool_re())) {
    char c = s[0];
    return c == 'y' || c == 'Y' || c == 't' || c == 'T' || s == "on" || s == "On" || s == "ON";
  }
  if (std::regex_match(s, float_re())) return float_value(s);
  if (std::regex_match(s, int_re())) return int_value(s);
  return s;  // timestamps stay as written (PyYAML makes dates; JSON has none)
}

core::OrderedJson to_json(const YAML::Node& node, int depth) {
  HFCPP_CHECK(depth < 64, ErrorCode::Format, "[model card] YAML nested deeper than 64 levels");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      core::OrderedJson arr = core::OrderedJson::array();
      for (const auto& item : node) arr.push_back(to_json(item, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      core::OrderedJson obj = core::OrderedJson::object();
      for (const auto& kv : node) {
        const YAML::Node& key = kv.first;
        std::string name = key.IsScalar() ? key.Scalar() : YAML::Dump(key);
        if (name == "<<") continue;  // merge keys are not used in cards
        obj[name] = to_json(kv.second, depth + 1);
      }
      return obj;
    }
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      const std::string& s = node.Scalar();
      if (tag == "?") return plain_scalar(s);
      if (tag == "tag:yaml.org,2002:int") return int_value(s);
      if (tag == "tag:yaml.org,2002:float") return float_value(s);
      if (tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") return plain_scalar(s);
      return s;  // quoted ("!") or !!str
    }
  }
  return nullptr;
}

int line_of(const std::string& text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(offset), '\n'));
}

template <class J>
void add_unique(std::vector<std::string>& out, const J& value, const std::string& prefix) {
  auto add = [&](const std::string& tag) {
    if (!tag.empty() && std::find(out.begin(), out.end(), prefix + tag) == out.end()) out.push_back(prefix + tag);
  };
  if (value.is_string()) add(value.template get<std::string>());
  if (value.is_array())
    for (const auto& v : value)
      if (v.is_string()) add(v.template get<std::string>());
}

}  // namespace

ModelCard parse_model_card(const std::string& readme, const std::string& source) {
  ModelCard card;
  FrontMatter fm;
  if (!find_front_matter(readme, fm)) {
    card.body = readme;
    return card;
  }
  card.body = readme.substr(fm.body_begin);
  card.yaml_first_line = line_of(readme, fm.yaml_begin);
  card.metadata = parse_card_yaml(readme.substr(fm.yaml_begin, fm.yaml_end - fm.yaml_begin), source,
                                  card.yaml_first_line);
  if (card.metadata.is_null()) {
    card.metadata = core::OrderedJson::object();
    return card;
  }
  HFCPP_CHECK(card.metadata.is_object(), ErrorCode::Format,
              "[model card] {}:{}: front matter must be a YAML mapping (key: value lines), got a {}", source,
              card.yaml_first_line, card.metadata.is_array() ? "list" : "single value");
  return card;
}

core::OrderedJson parse_card_yaml(const std::string& yaml, const std::string& source, int first_line) {
  try {
    return to_json(YAML::Load(yaml), 0);
  } catch (const YAML::Exception& ex) {
    HFCPP_THROW(ErrorCode::Format, "[model card] {}:{}:{}: front matter is not valid YAML: {}", source,
                first_line + ex.mark.line, ex.mark.column + 1, ex.msg);
  }
}

core::Json parse_card_front_matter(const std::string& readme) {
  ModelCard card = parse_model_card(readme);
  if (card.metadata.is_null()) return nullptr;
  return core::Json::parse(card.metadata.dump());
}

std::string card_body(const std::string& readme) {
  FrontMatter fm;
  return find_front_matter(readme, fm) ? readme.substr(fm.body_begin) : readme;
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
  add_unique(out, card.value("library_name", core::Json()), "");
  add_unique(out, card.value("pipeline_tag", core::Json()), "");
  add_unique(out, card.value("tags", core::Json()), "");
  add_unique(out, card.value("language", core::Json()), "");
  add_unique(out, card.value("datasets", core::Json()), "dataset:");
  add_unique(out, card.value("base_model", core::Json()), "base_model:");
  add_unique(out, card.value("license", core::Json()), "license:");
  return out;
}

}  // namespace hfcpp::hub
