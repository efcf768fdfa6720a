// The authorship keys of a converted GGUF (general.name through general.languages), as gguf-py's
// Metadata.load derives them and set_gguf_meta_model writes them: README.md's YAML front matter first
// (read as load_model_card reads it), then config.json's _name_or_path, then the folder name, each
// split by get_model_id_components into basename / finetune / version / size label.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <climits>
#include <cmath>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"
#include "hfcpp/hub/model_card.h"

namespace hfcpp::convert {

using formats::GgufValue;
using Json = core::OrderedJson;

namespace {

namespace fs = std::filesystem;

// Python's str predicates on UTF-8 bytes: ASCII exactly; other characters count as letters, which is
// what they are in model and organization names.
bool py_alpha(unsigned char c) { return std::isalpha(c) != 0 || c >= 0x80; }
bool py_decimal(unsigned char c) { return std::isdigit(c) != 0; }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Python's bool(v) for a value read from YAML or JSON.
bool truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  if (v.is_number()) return v.get<double>() != 0.0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();  // Json::empty() is false for any string
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

// Metadata.id_to_title: words split on whitespace and '-'; words with lowercase letters and no
// uppercase ones are str.title()d unless they are versions (v1.2) or start with a digit.
std::string id_to_title(std::string_view text) {
  static const std::regex kKeep(R"(v\d+(?:\.\d+)*|\d.*)");
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    bool has_lower = false, has_upper = false;
    for (unsigned char c : word) {
      has_lower |= std::islower(c) != 0;
      has_upper |= std::isupper(c) != 0;
    }
    if (has_lower && !has_upper && !std::regex_match(word, kKeep)) {
      bool after_cased = false;  // str.title(): upper after an uncased character, lower after a cased one
      for (char& ch : word) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalpha(c)) ch = static_cast<char>(after_cased ? std::tolower(c) : std::toupper(c));
        after_cased = py_alpha(c);
      }
    }
    out += (out.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char ch : text) {
    if (ch == '-' || std::isspace(static_cast<unsigned char>(ch))) flush();
    else word += ch;
  }
  flush();
  return out;
}

struct IdComponents {
  std::optional<std::string> full_name, organization, basename, finetune, version, size_label;
};

// Metadata.get_model_id_components: "org/Name-7B-Instruct-v1" annotated part by part.
IdComponents model_id_components(const std::string& model_id, uint64_t total_params) {
  IdComponents out;
  if (model_id.find(' ') != std::string::npos) {  // a sentence, not a Hub id
    out.full_name = model_id;
    return out;
  }
  std::string name = model_id;
  if (const size_t slash = model_id.find('/'); slash != std::string::npos) {
    out.organization = model_id.substr(0, slash);
    name = model_id.substr(slash + 1);
    if (!out.organization->empty() && (*out.organization)[0] == '.') out.organization.reset();  // "./" or "../"
  }
  out.full_name = name;

  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dash = name.find('-', start);
    std::string part = name.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    if (!part.empty()) parts.push_back(std::move(part));
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  enum Kind { kBasename = 1, kSizeLabel = 2, kFinetune = 4, kVersion = 8, kType = 16 };
  std::vector<int> kinds(parts.size(), 0);
  const auto icase = std::regex::ECMAScript | std::regex::icase;
  static const std::regex kVersionRe(R"((v|iter)?\d+([.]\d+)*)", icase);
  static const std::regex kTypeRe(R"(i?q\d(_\w)*|b?fp?(16|32))", icase);
  static const std::regex kSizeRe(R"((([A]|\d+[x])?\d+([._]\d+)?[KMBT][\d]?|small|mini|medium|large|x?xl))", icase);
  static const std::regex kFinetuneRe(R"(chat|instruct|vision|lora)", icase);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string& part = parts[i];
    if (std::regex_match(part, kVersionRe)) {
      kinds[i] |= kVersion;
    } else if (std::regex_match(part, kTypeRe)) {
      kinds[i] |= kType;
      part = upper(part);
    } else if (i > 0 && std::regex_match(part, kSizeRe)) {
      std::replace(part.begin(), part.end(), '_', '.');
      if (py_decimal(part.back()))  // bloom-7b1 -> 7.1b
        part = part.substr(0, part.size() - 2) + "." + part.back() + part[part.size() - 2];
      if (part.size() > 1 && py_decimal(part[part.size() - 2]) && std::string_view("kmbt").find(part.back()) !=
                                                                      std::string_view::npos)
        part.back() = static_cast<char>(std::toupper(static_cast<unsigned char>(part.back())));
      if (total_params != 0) {
        // float(part[:-1]) * 1000 ** " KMBT".find(part[-1]); not a number: the label is kept as is.
        // What the size pattern leaves before the suffix is "7", "7.1", "8x7" or "A3" (not a number).
        const std::string number = part.substr(0, part.size() - 1);
        static const std::regex kNumber(R"(\d+(\.\d+)?)");
        if (std::regex_match(number, kNumber)) {
          const size_t power = std::string_view(" KMBT").find(part.back());  // -1 for another letter
          const double label_params =
              std::stod(number) * std::pow(1000.0, power == std::string_view::npos ? -1.0 : static_cast<double>(power));
          // Far from the model's size: a context length ("128k"), so a finetune, lowercased.
          if (std::abs(label_params - static_cast<double>(total_params)) > static_cast<double>(7 * total_params / 8)) {
            kinds[i] |= kFinetune;
            part.back() = static_cast<char>(std::tolower(static_cast<unsigned char>(part.back())));
          }
        }
      }
      if (kinds[i] == 0) kinds[i] |= kSizeLabel;
    } else if (i > 0 && std::regex_match(part, kFinetuneRe)) {
      kinds[i] |= kFinetune;
    }
  }
  // Word size labels ("small") give way to numeric ones ("7B").
  bool numeric_size = false;
  for (size_t i = 0; i < parts.size(); ++i)
    if (kinds[i] & kSizeLabel)
      numeric_size |= std::any_of(parts[i].begin(), parts[i].end(), [](char c) { return py_decimal(c); });
  if (numeric_size)
    for (size_t i = 0; i < parts.size(); ++i)
      if ((kinds[i] & kSizeLabel) &&
          std::all_of(parts[i].begin(), parts[i].end(), [](char c) { return py_alpha(static_cast<unsigned char>(c)); }))
        kinds[i] &= ~kSizeLabel;
  bool at_start = true;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (at_start && ((kinds[i] == 0 && py_alpha(static_cast<unsigned char>(parts[i][0]))) || (kinds[i] & kVersion))) {
      kinds[i] |= kBasename;
    } else {
      at_start = false;
      if (kinds[i] == 0) kinds[i] |= kFinetune;
    }
  }
  for (size_t i = parts.size(); i-- > 0;) {  // a trailing version is not part of the basename
    if ((kinds[i] & kBasename) && kinds[i] != kBasename) kinds[i] &= ~kBasename;
    else break;
  }
  auto join = [&](auto keep, bool dedup = false) -> std::optional<std::string> {
    std::vector<std::string> picked;
    for (size_t i = 0; i < parts.size(); ++i)
      if (keep(kinds[i]) && !(dedup && std::find(picked.begin(), picked.end(), parts[i]) != picked.end()))
        picked.push_back(parts[i]);
    if (picked.empty()) return std::nullopt;
    return fmt::format("{}", fmt::join(picked, "-"));
  };
  out.basename = join([](int k) { return (k & kBasename) != 0; });
  out.size_label = join([](int k) { return (k & kSizeLabel) != 0; }, true);
  out.finetune = join([](int k) { return (k & kFinetune) != 0; });
  out.version = join([](int k) { return (k & kVersion) && !(k & kBasename); });
  if (!out.size_label && !out.finetune && !out.version) out.basename.reset();  // too ambiguous
  return out;
}

// Metadata's fields by attribute name; a missing or null entry is Python's None.
class Fields {
 public:
  const Json& get(const std::string& key) const {
    static const Json kNone;
    const auto it = f_.find(key);
    return it == f_.end() ? kNone : it->second;
  }
  bool none(const std::string& key) const { return get(key).is_null(); }
  void set(const std::string& key, Json v) { f_[key] = std::move(v); }
  void set_if_none(const std::string& key, const std::optional<std::string>& v) {
    if (none(key) && v) set(key, *v);
  }

 private:
  std::map<std::string, Json> f_;
};

// Metadata.load_model_card: README.md read as text (universal newlines), split by str.splitlines;
// front matter only when the first line is exactly "---", up to the next "---" line; "- no" list
// items quoted (the Norway problem) and tabs made two spaces before yaml.safe_load. Anything but a
// mapping counts as no card.
Json load_model_card(const fs::path& folder) {
  const fs::path path = folder / "README.md";
  if (!fs::is_regular_file(path)) return Json::object();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  HFCPP_CHECK(f != nullptr, ErrorCode::Io, "[convert] cannot read '{}'", path.string());
  std::string raw;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) raw.append(buf, n);
  std::fclose(f);
  std::vector<std::string> lines;
  std::string line;
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    size_t br = 0;  // bytes of a line boundary str.splitlines() splits on
    if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) br = 1;
    else if (c == '\r') br = i + 1 < raw.size() && raw[i + 1] == '\n' ? 2 : 1;
    else if (c == 0xC2 && i + 1 < raw.size() && static_cast<unsigned char>(raw[i + 1]) == 0x85) br = 2;  // U+0085
    else if (c == 0xE2 && i + 2 < raw.size() && static_cast<unsigned char>(raw[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(raw[i + 2]) == 0xA8 || static_cast<unsigned char>(raw[i + 2]) == 0xA9))
      br = 3;  // U+2028, U+2029
    if (br == 0) {
      line += raw[i];
      continue;
    }
    lines.push_back(std::move(line));
    line.clear();
    i += br - 1;
  }
  if (!line.empty()) lines.push_back(std::move(line));
  if (lines.empty() || lines[0] != "---") return Json::object();
  std::string yaml;
  for (size_t i = 1; i < lines.size() && lines[i] != "---"; ++i) yaml += (i > 1 ? "\n" : "") + lines[i];
  yaml += "\n";
  auto replace_all = [&](std::string_view from, std::string_view to) {
    for (size_t p = 0; (p = yaml.find(from, p)) != std::string::npos; p += to.size()) yaml.replace(p, from.size(), to);
  };
  replace_all("- no\n", "- \"no\"\n");
  replace_all("\t", "  ");
  Json data = hub::parse_card_yaml(yaml, path.string(), 2);
  return data.is_object() ? data : Json::object();
}

// One base model or dataset entry of the card (apply_metadata_heuristic): a Hub id, a URL (a
// huggingface.co one is also split into name / organization / version), or a mapping taken as is.
Json source_entry(const Json& id, uint64_t total_params) {
  Json entry = Json::object();
  if (id.is_object()) return id;
  if (!id.is_string()) return entry;  // the reference logs "not in a known format" and keeps {}
  const std::string s = id.get<std::string>();
  auto add_components = [&](const IdComponents& c, bool with_repo_url) {
    if (c.full_name) entry["name"] = id_to_title(*c.full_name);
    if (c.organization) entry["organization"] = id_to_title(*c.organization);
    if (c.version) entry["version"] = *c.version;
    if (with_repo_url && c.organization && c.full_name)
      entry["repo_url"] = fmt::format("https://huggingface.co/{}/{}", *c.organization, *c.full_name);
  };
  if (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ssh://")) {
    entry["repo_url"] = s;
    static const std::regex kHubUrl(R"(https?://huggingface.co/([^/]+/[^/]+))");
    std::smatch m;
    if (s.find("huggingface.co") != std::string::npos && std::regex_match(s, m, kHubUrl))
      add_components(model_id_components(m[1].str(), total_params), false);
  } else {
    add_components(model_id_components(s, total_params), true);
  }
  return entry;
}

// Metadata.apply_metadata_heuristic's base model / dataset lists: the first present card key's value,
// a string or a list of entries.
std::optional<Json> source_list(const Json& card, std::initializer_list<const char*> keys, uint64_t total_params) {
  const char* key = nullptr;
  for (const char* k : keys)
    if (card.contains(k)) {
      key = k;
      break;
    }
  if (key == nullptr) return std::nullopt;
  Json out = Json::array();
  const Json& v = card[key];
  if (v.is_string()) out.push_back(source_entry(v, total_params));
  if (v.is_array())
    for (const auto& item : v) out.push_back(source_entry(item, total_params));
  return out;
}

Fields derive_metadata(const fs::path& folder, const std::string& folder_name, uint64_t total_params) {
  const Json card = load_model_card(folder);
  Fields m;
  auto use = [&](const char* field, const char* card_key) {
    if (card.contains(card_key) && m.none(field)) m.set(field, card[card_key]);
  };
  auto use_array = [&](const char* field, const char* card_key) {  // appends
    if (!card.contains(card_key) || card[card_key].is_null()) return;
    Json current = m.none(field) ? Json::array() : m.get(field);
    const Json& v = card[card_key];
    if (v.is_string()) current.push_back(v);
    if (v.is_array())
      for (const auto& item : v) current.push_back(item);
    m.set(field, std::move(current));
  };
  // llama.cpp's own card keys, their model_* forms, then the Hugging Face ones.
  static const std::pair<const char*, const char*> kCardKeys[] = {
      {"name", "name"}, {"author", "author"}, {"version", "version"}, {"organization", "organization"},
      {"description", "description"}, {"finetune", "finetune"}, {"basename", "basename"},
      {"size_label", "size_label"}, {"source_url", "url"}, {"source_doi", "doi"}, {"source_uuid", "uuid"},
      {"source_repo_url", "repo_url"}, {"name", "model_name"}, {"author", "model_author"},
      {"version", "model_version"}, {"organization", "model_organization"}, {"description", "model_description"},
      {"finetune", "model_finetune"}, {"basename", "model_basename"}, {"size_label", "model_size_label"},
      {"source_url", "model_url"}, {"source_doi", "model_doi"}, {"source_uuid", "model_uuid"},
      {"source_repo_url", "model_repo_url"}, {"name", "model_name"}, {"author", "model_creator"},
      {"basename", "model_type"}};
  for (const auto& [field, key] : kCardKeys) use(field, key);
  if (auto bases = source_list(card, {"base_model", "base_models", "base_model_sources"}, total_params))
    m.set("base_models", std::move(*bases));
  if (auto datasets = source_list(card, {"datasets", "dataset", "dataset_sources"}, total_params))
    m.set("datasets", std::move(*datasets));
  use("license", "license");
  use("license_name", "license_name");
  use("license_link", "license_link");
  use_array("tags", "tags");
  use_array("tags", "pipeline_tag");
  use_array("languages", "languages");
  use_array("languages", "language");

  auto use_id = [&](const std::string& model_id) {
    const IdComponents c = model_id_components(model_id, total_params);
    if (m.none("name") && c.full_name) m.set("name", id_to_title(*c.full_name));
    if (m.none("organization") && c.organization) m.set("organization", id_to_title(*c.organization));
    m.set_if_none("basename", c.basename);
    m.set_if_none("finetune", c.finetune);
    m.set_if_none("version", c.version);
    m.set_if_none("size_label", c.size_label);
  };
  // config.json's _name_or_path when it is a Hub id rather than a local path.
  if (const auto config = read_optional_json_file((folder / "config.json").string());
      config && config->is_object() && config->contains("_name_or_path") && (*config)["_name_or_path"].is_string()) {
    const std::string id = (*config)["_name_or_path"].get<std::string>();
    if (std::count(id.begin(), id.end(), '/') <= 1) use_id(id);
  }
  use_id(folder_name);
  return m;
}

// pathlib's Path(folder).name: the last component, ignoring trailing slashes and "." components.
std::string python_path_name(const std::string& folder) {
  std::string last;
  for (const auto& part : fs::path(folder))
    if (const std::string s = part.string(); !s.empty() && s != "." && s != "/") last = s;
  return last;
}

// GGUFWriter.add_string: a falsy value writes nothing; a non-string one makes the reference's packer
// fail, so it is refused here, naming where it came from.
void add_string(formats::GgufWriter& w, const std::string& key, const Json& v, std::string_view field) {
  if (!truthy(v)) return;
  HFCPP_CHECK(v.is_string(), ErrorCode::Format,
              "[convert] model card (README.md front matter) '{}' is {}, expected a string for {}", field, v.dump(),
              key);
  w.set(key, GgufValue::string(v.get<std::string>()));
}

// GGUFWriter.add_array for tags / languages: nothing when empty; the element type is the first
// item's (str, float, bool, int as GGUF STRING, FLOAT32, BOOL, INT32) and every item must share it.
void add_array(formats::GgufWriter& w, const std::string& key, const Json& v, std::string_view field) {
  if (v.empty()) return;
  auto type_of = [&](const Json& x) {
    if (x.is_string()) return formats::GgufValueType::String;
    if (x.is_number_float()) return formats::GgufValueType::F32;
    if (x.is_boolean()) return formats::GgufValueType::Bool;
    if (x.is_number_integer()) return formats::GgufValueType::I32;
    HFCPP_THROW(ErrorCode::Format,
                "[convert] model card (README.md front matter) '{}' has the item {}, expected strings", field,
                x.dump());
  };
  const formats::GgufValueType type = type_of(v[0]);
  std::vector<GgufValue> items;
  for (const auto& x : v) {
    HFCPP_CHECK(type_of(x) == type, ErrorCode::Format,
                "[convert] model card (README.md front matter) '{}' mixes item types ({} after {}), expected "
                "all strings",
                field, x.dump(), v[0].dump());
    switch (type) {
      case formats::GgufValueType::String: items.push_back(GgufValue::string(x.get<std::string>())); break;
      case formats::GgufValueType::F32: items.push_back(GgufValue::f32(static_cast<float>(x.get<double>()))); break;
      case formats::GgufValueType::Bool: items.push_back(GgufValue::boolean(x.get<bool>())); break;
      default:
        HFCPP_CHECK(x.get<int64_t>() >= INT32_MIN && x.get<int64_t>() <= INT32_MAX, ErrorCode::Format,
                    "[convert] model card (README.md front matter) '{}' item {} does not fit a 32-bit integer",
                    field, x.dump());
        items.push_back(GgufValue::i32(static_cast<int32_t>(x.get<int64_t>())));
    }
  }
  w.set(key, GgufValue::array(type, std::move(items)));
}

// The base_model.* / dataset.* keys of one list, entries' fields in set_gguf_meta_model's order.
void add_sources(formats::GgufWriter& w, const std::string& prefix, const Json& list, std::string_view field) {
  w.set(prefix + ".count", GgufValue::u32(static_cast<uint32_t>(list.size())));
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& entry = list[i];
    for (const char* key : {"name", "author", "version", "organization", "description", "url", "doi", "uuid",
                            "repo_url"})
      if (entry.is_object() && entry.contains(key))
        add_string(w, fmt::format("{}.{}.{}", prefix, i, key), entry[key], fmt::format("{}[{}].{}", field, i, key));
  }
}

}  // namespace

void write_authorship_metadata(formats::GgufWriter& w, const std::string& folder, const std::string& name_override,
                               uint64_t n_params) {
  const std::string folder_name = python_path_name(folder);
  Fields m = derive_metadata(folder, folder_name, n_params);
  if (!name_override.empty()) m.set("name", name_override);
  if (m.none("name")) m.set("name", folder_name);  // prepare_metadata's fallback
  if (m.none("size_label") && n_params > 0) m.set("size_label", size_label(n_params));

  // Metadata.set_gguf_meta_model's order; fields keep the attribute name in error messages.
  static const std::pair<const char*, const char*> kBefore[] = {
      {"name", "general.name"},         {"author", "general.author"},     {"version", "general.version"},
      {"organization", "general.organization"}, {"finetune", "general.finetune"}, {"basename", "general.basename"},
      {"description", "general.description"}, {"quantized_by", "general.quantized_by"},
      {"size_label", "general.size_label"}};
  for (const auto& [field, key] : kBefore) add_string(w, key, m.get(field), field);
  if (const Json& license = m.get("license"); license.is_array()) {
    std::string joined;  // ",".join(license)
    for (size_t i = 0; i < license.size(); ++i) {
      HFCPP_CHECK(license[i].is_string(), ErrorCode::Format,
                  "[convert] model card (README.md front matter) 'license' has the item {}, expected strings",
                  license[i].dump());
      if (i > 0) joined += ',';
      joined += license[i].get_ref<const std::string&>();
    }
    add_string(w, "general.license", Json(joined), "license");
  } else {
    add_string(w, "general.license", license, "license");
  }
  static const std::pair<const char*, const char*> kAfter[] = {
      {"license_name", "general.license.name"}, {"license_link", "general.license.link"}, {"url", "general.url"},
      {"doi", "general.doi"}, {"uuid", "general.uuid"}, {"repo_url", "general.repo_url"},
      {"source_url", "general.source.url"}, {"source_doi", "general.source.doi"},
      {"source_uuid", "general.source.uuid"}, {"source_repo_url", "general.source.repo_url"}};
  for (const auto& [field, key] : kAfter) add_string(w, key, m.get(field), field);
  if (!m.none("base_models")) add_sources(w, "general.base_model", m.get("base_models"), "base_model");
  if (!m.none("datasets")) add_sources(w, "general.dataset", m.get("datasets"), "datasets");
  if (!m.none("tags")) add_array(w, "general.tags", m.get("tags"), "tags");
  if (!m.none("languages")) add_array(w, "general.languages", m.get("languages"), "language");
}

}  // namespace hfcpp::convert
