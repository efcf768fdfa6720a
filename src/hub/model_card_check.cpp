// ModelCardData semantics: to_dict() as huggingface_hub computes it (repocard_data.py) and the
// checks `hfcpp card check` runs, with the Hub's license ids and pipeline tags.
#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <string_view>

#include "hfcpp/core/error.h"
#include "hfcpp/hub/model_card.h"
#include "hfcpp/hub/repo.h"

namespace hfcpp::hub {
namespace {

using OJson = core::OrderedJson;

// https://huggingface.co/docs/hub/repositories-licenses (the "License identifier" column).
constexpr std::string_view kLicenses[] = {
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd",
    "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0", "cc-by-2.5",
    "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0",
    "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
    "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl", "gpl-2.0",
    "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research", "intel-research", "lppl-1.3c", "ms-pl",
    "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by", "odbl", "openrail++", "osl-3.0", "postgresql", "ofl-1.1",
    "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license", "llama2", "llama3", "llama3.1",
    "llama3.2", "llama3.3", "llama4", "gemma", "unknown", "other"};

// huggingface.js packages/tasks PIPELINE_DATA keys: an unknown tag only warns (the list grows).
constexpr std::string_view kPipelineTags[] = {
    "text-classification", "token-classification", "table-question-answering", "question-answering",
    "zero-shot-classification", "translation", "summarization", "feature-extraction", "text-generation",
    "text2text-generation", "fill-mask", "sentence-similarity", "text-to-speech", "text-to-audio",
    "automatic-speech-recognition", "audio-to-audio", "audio-classification", "audio-text-to-text",
    "voice-activity-detection", "depth-estimation", "image-classification", "object-detection",
    "image-segmentation", "text-to-image", "image-to-text", "image-to-image", "image-to-video",
    "unconditional-image-generation", "video-classification", "reinforcement-learning", "robotics",
    "tabular-classification", "tabular-regression", "tabular-to-text", "table-to-text", "multiple-choice",
    "text-ranking", "text-retrieval", "time-series-forecasting", "text-to-video", "image-text-to-text",
    "image-text-to-image", "image-text-to-video", "visual-question-answering", "document-question-answering",
    "zero-shot-image-classification", "graph-ml", "mask-generation", "zero-shot-object-detection", "text-to-3d",
    "image-to-3d", "image-feature-extraction", "video-text-to-text", "keypoint-detection",
    "visual-document-retrieval", "any-to-any", "video-to-video", "other"};

// ModelCardData's named arguments, in the order its __init__ stores them.
constexpr std::string_view kNamedFields[] = {
    "base_model", "datasets", "eval_results", "language", "library_name", "license",
    "license_name", "license_link", "metrics", "model_name", "pipeline_tag", "tags"};

std::string type_name(const OJson& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  return "a mapping";
}

// repocard_data._remove_none: drops nulls from mappings and lists, recursively.
OJson remove_none(const OJson& v) {
  if (v.is_array()) {
    OJson out = OJson::array();
    for (const auto& x : v)
      if (!x.is_null()) out.push_back(remove_none(x));
    return out;
  }
  if (v.is_object()) {
    OJson out = OJson::object();
    for (const auto& [k, x] : v.items())
      if (!x.is_null()) out[k] = remove_none(x);
    return out;
  }
  return v;
}

const OJson& get_or_null(const OJson& obj, const char* key) {
  static const OJson null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

// model_index_to_eval_results + eval_results_to_model_index: one entry named after the last
// element, results regrouped by (task type, dataset type/config/split/revision).
OJson regroup_model_index(const OJson& model_index) {
  auto need = [](const OJson& obj, const char* key, const std::string& where) -> const OJson& {
    HFCPP_CHECK(obj.is_object() && obj.contains(key), ErrorCode::Format,
                "[model card] invalid model-index: {} has no '{}' (huggingface_hub cannot load this card)", where, key);
    return obj[key];
  };
  HFCPP_CHECK(model_index.is_array(), ErrorCode::Format,
              "[model card] invalid model-index: expected a list of {{name, results}} entries, got {}",
              type_name(model_index));
  OJson name;
  std::vector<std::pair<OJson, OJson>> groups;  // (identifier, entry)
  size_t result_count = 0;
  for (size_t i = 0; i < model_index.size(); ++i) {
    std::string where = fmt::format("model-index[{}]", i);
    name = need(model_index[i], "name", where);
    const OJson& results = need(model_index[i], "results", where);
    HFCPP_CHECK(results.is_array(), ErrorCode::Format, "[model card] invalid model-index: {}.results is {}, expected a list",
                where, type_name(results));
    for (size_t r = 0; r < results.size(); ++r) {
      std::string rw = fmt::format("{}.results[{}]", where, r);
      const OJson& result = results[r];
      const OJson& task = need(result, "task", rw);
      const OJson& dataset = need(result, "dataset", rw);
      const OJson& metrics = need(result, "metrics", rw);
      HFCPP_CHECK(metrics.is_array(), ErrorCode::Format, "[model card] invalid model-index: {}.metrics is {}, expected a list",
                  rw, type_name(metrics));
      const OJson& source = get_or_null(result, "source");
      OJson id = {need(task, "type", rw + ".task"), need(dataset, "type", rw + ".dataset"),
                  get_or_null(dataset, "config"), get_or_null(dataset, "split"), get_or_null(dataset, "revision")};
      need(dataset, "name", rw + ".dataset");
      HFCPP_CHECK(get_or_null(source, "name").is_null() || !get_or_null(source, "url").is_null(), ErrorCode::Format,
                  "[model card] invalid model-index: {}.source has a name but no url", rw);
      auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == id; });
      if (group == groups.end()) {
        OJson entry = OJson::object();
        entry["task"] = {{"type", task["type"]}, {"name", get_or_null(task, "name")}};
        entry["dataset"] = {{"name", dataset["name"]}, {"type", dataset["type"]}, {"config", id[2]},
                            {"split", id[3]}, {"revision", id[4]}, {"args", get_or_null(dataset, "args")}};
        entry["metrics"] = OJson::array();
        if (!get_or_null(source, "url").is_null()) {
          entry["source"] = {{"url", source["url"]}};
          if (!get_or_null(source, "name").is_null()) entry["source"]["name"] = source["name"];
        }
        groups.emplace_back(id, std::move(entry));
        group = groups.end() - 1;
      }
      for (size_t m = 0; m < metrics.size(); ++m) {
        std::string mw = fmt::format("{}.metrics[{}]", rw, m);
        const OJson& metric = metrics[m];
        group->second["metrics"].push_back({{"type", need(metric, "type", mw)},
                                            {"value", need(metric, "value", mw)},
                                            {"name", get_or_null(metric, "name")},
                                            {"config", get_or_null(metric, "config")},
                                            {"args", get_or_null(metric, "args")},
                                            {"verified", get_or_null(metric, "verified")},
                                            {"verifyToken", get_or_null(metric, "verifyToken")}});
        ++result_count;
      }
    }
  }
  HFCPP_CHECK(result_count == 0 || !name.is_null(), ErrorCode::Format,
              "[model card] invalid model-index: eval results need a model name (model-index[].name)");
  OJson results = OJson::array();
  for (auto& g : groups) results.push_back(std::move(g.second));
  return remove_none(OJson::array({{{"name", name}, {"results", results}}}));
}

// _to_unique_list: iterates whatever it is given (so a string becomes its characters, as in Python).
OJson unique_list(const OJson& tags) {
  OJson items = OJson::array();
  if (tags.is_string()) {
    for (char c : tags.get<std::string>()) items.push_back(std::string(1, c));  // ASCII cards only
  } else if (tags.is_object()) {
    for (const auto& [k, v] : tags.items()) items.push_back(k);
  } else {
    HFCPP_CHECK(tags.is_array(), ErrorCode::Format, "[model card] tags: expected a list of strings, got {}",
                type_name(tags));
    items = tags;
  }
  OJson out = OJson::array();
  for (const auto& t : items)
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

struct Checker {
  std::vector<CardProblem> problems;
  void error(std::string field, std::string message) {
    problems.push_back({CardProblem::Severity::Error, std::move(field), std::move(message)});
  }
  void warn(std::string field, std::string message) {
    problems.push_back({CardProblem::Severity::Warning, std::move(field), std::move(message)});
  }
  std::string bool_hint(const OJson& v) {
    return v.is_boolean() ? " (YAML reads unquoted yes/no/on/off as booleans: quote the value, e.g. 'no')" : "";
  }
  bool expect_string(const std::string& field, const OJson& v) {
    if (v.is_string()) return true;
    error(field, fmt::format("expected a string, got {}{}", type_name(v), bool_hint(v)));
    return false;
  }
  // A string or a list of strings; returns the strings found.
  std::vector<std::string> string_or_list(const std::string& field, const OJson& v, bool allow_single = true) {
    std::vector<std::string> out;
    if (v.is_string() && allow_single) return {v.get<std::string>()};
    if (!v.is_array()) {
      error(field, fmt::format("expected {}a list of strings, got {}{}", allow_single ? "a string or " : "",
                               type_name(v), bool_hint(v)));
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i)
      if (expect_string(fmt::format("{}[{}]", field, i), v[i])) out.push_back(v[i].get<std::string>());
    return out;
  }
  const OJson* mapping_field(const std::string& where, const OJson& obj, const char* key, bool required) {
    if (!obj.contains(key)) {
      if (required) error(where, fmt::format("missing '{}'", key));
      return nullptr;
    }
    return &obj[key];
  }
  void string_key(const std::string& where, const OJson& obj, const char* key, bool required) {
    if (const OJson* v = mapping_field(where, obj, key, required)) {
      if (!v->is_null() || required) expect_string(where + "." + key, *v);
    }
  }
  void check_model_index(const OJson& mi);
  void check_license(const OJson& meta);
};

void Checker::check_license(const OJson& meta) {
  const OJson& license = get_or_null(meta, "license");
  bool is_other = false;
  if (meta.contains("license") && expect_string("license", license)) {
    std::string id = license.get<std::string>();
    is_other = id == "other";
    if (!is_known_license(id)) {
      std::string guess = id;
      std::transform(guess.begin(), guess.end(), guess.begin(),
                     [](unsigned char c) { return c == ' ' || c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
      std::string hint = is_known_license(guess) ? fmt::format(" (did you mean '{}'?)", guess) : "";
      error("license", fmt::format("unknown license id '{}'{}: use an id from "
                                   "https://huggingface.co/docs/hub/repositories-licenses, or 'other' with "
                                   "license_name and license_link",
                                   id, hint));
    }
  }
  if (meta.contains("license_name")) expect_string("license_name", meta["license_name"]);
  if (meta.contains("license_link")) expect_string("license_link", meta["license_link"]);
  if (is_other) {
    if (get_or_null(meta, "license_name").is_null())
      error("license_name", "license 'other' needs license_name (a short id such as my-license-1.0) and license_link");
    if (get_or_null(meta, "license_link").is_null())
      warn("license_link", "license 'other' should link to its text: license_link (a URL, or LICENSE in the repo)");
  } else if (meta.contains("license_name") || meta.contains("license_link")) {
    warn(meta.contains("license_name") ? "license_name" : "license_link",
         "only used with license: other (a license from the Hub's list needs no name or link)");
  }
}

void Checker::check_model_index(const OJson& mi) {
  if (!mi.is_array()) {
    error("model-index", fmt::format("expected a list of {{name, results}} entries, got {}", type_name(mi)));
    return;
  }
  for (size_t i = 0; i < mi.size(); ++i) {
    std::string where = fmt::format("model-index[{}]", i);
    const OJson& entry = mi[i];
    if (!entry.is_object()) {
      error(where, fmt::format("expected a mapping with name and results, got {}", type_name(entry)));
      continue;
    }
    string_key(where, entry, "name", true);
    const OJson* results = mapping_field(where, entry, "results", true);
    if (results == nullptr) continue;
    if (!results->is_array()) {
      error(where + ".results", fmt::format("expected a list of results, got {}", type_name(*results)));
      continue;
    }
    for (size_t r = 0; r < results->size(); ++r) {
      std::string rw = fmt::format("{}.results[{}]", where, r);
      const OJson& result = (*results)[r];
      if (!result.is_object()) {
        error(rw, fmt::format("expected a mapping with task, dataset and metrics, got {}", type_name(result)));
        continue;
      }
      for (const char* part : {"task", "dataset"}) {
        const OJson* v = mapping_field(rw, result, part, true);
        if (v == nullptr) continue;
        if (!v->is_object()) {
          error(rw + "." + part, fmt::format("expected a mapping, got {}", type_name(*v)));
          continue;
        }
        string_key(rw + "." + part, *v, "type", true);
        string_key(rw + "." + part, *v, "name", std::string_view(part) == "dataset");
      }
      if (const OJson* source = mapping_field(rw, result, "source", false); source && source->is_object()) {
        if (!get_or_null(*source, "name").is_null() && get_or_null(*source, "url").is_null())
          error(rw + ".source", "has a name but no url (huggingface_hub refuses this)");
      }
      const OJson* metrics = mapping_field(rw, result, "metrics", true);
      if (metrics == nullptr) continue;
      if (!metrics->is_array() || metrics->empty()) {
        error(rw + ".metrics", fmt::format("expected a non-empty list of {{type, value}}, got {}",
                                           metrics->is_array() ? "an empty list" : type_name(*metrics)));
        continue;
      }
      for (size_t m = 0; m < metrics->size(); ++m) {
        std::string mw = fmt::format("{}.metrics[{}]", rw, m);
        const OJson& metric = (*metrics)[m];
        if (!metric.is_object()) {
          error(mw, fmt::format("expected a mapping with type and value, got {}", type_name(metric)));
          continue;
        }
        string_key(mw, metric, "type", true);
        if (const OJson* value = mapping_field(mw, metric, "value", true);
            value && !value->is_number() && !value->is_string())
          error(mw + ".value", fmt::format("expected a number (or a string such as \"20.0 ± 1.2\"), got {}",
                                           type_name(*value)));
      }
    }
  }
}

}  // namespace

bool is_known_license(const std::string& id) {
  return std::find(std::begin(kLicenses), std::end(kLicenses), id) != std::end(kLicenses);
}

OJson model_card_data_to_dict(const OJson& metadata) {
  HFCPP_CHECK(metadata.is_object() || metadata.is_null(), ErrorCode::Format,
              "[model card] metadata must be a mapping, got {}", type_name(metadata));
  OJson data = OJson::object();
  for (std::string_view key : kNamedFields) data[std::string(key)] = get_or_null(metadata, std::string(key).c_str());
  if (!data["tags"].is_null()) data["tags"] = unique_list(data["tags"]);
  const OJson& mi = get_or_null(metadata, "model-index");
  bool truthy = !(mi.is_null() || (mi.is_boolean() && !mi.get<bool>()) || (mi.is_number() && mi == 0) ||
                  ((mi.is_string() || mi.is_array() || mi.is_object()) && mi.empty()));
  if (metadata.is_object())
    for (const auto& [key, value] : metadata.items())
      if (key != "model-index" && !data.contains(key)) data[key] = value;
  if (truthy) {
    data["model-index"] = regroup_model_index(mi);
    data.erase("eval_results");
    data.erase("model_name");
  }
  OJson out = OJson::object();
  for (const auto& [key, value] : data.items())
    if (!value.is_null()) out[key] = value;
  return out;
}

std::vector<CardProblem> validate_model_card(const OJson& meta) {
  Checker c;
  if (meta.is_null()) {
    c.warn("", "no YAML metadata block (--- lines at the top of README.md): the Hub shows no license, tags or "
               "eval results for this model");
    return c.problems;
  }
  c.check_license(meta);
  for (const char* key : {"library_name", "pipeline_tag", "model_name"})
    if (meta.contains(key)) c.expect_string(key, meta[key]);
  if (meta.contains("pipeline_tag") && meta["pipeline_tag"].is_string()) {
    std::string tag = meta["pipeline_tag"].get<std::string>();
    if (std::find(std::begin(kPipelineTags), std::end(kPipelineTags), tag) == std::end(kPipelineTags))
      c.warn("pipeline_tag", fmt::format("'{}' is not a task the Hub knows (e.g. text-generation, "
                                         "text-classification, feature-extraction)", tag));
  }
  if (meta.contains("tags")) c.string_or_list("tags", meta["tags"], /*allow_single=*/false);
  if (meta.contains("metrics")) c.string_or_list("metrics", meta["metrics"]);
  if (meta.contains("language")) {
    static const std::regex code_re("[a-z]{2,3}([-_][A-Za-z0-9]+)*");
    for (const auto& lang : c.string_or_list("language", meta["language"]))
      if (lang != "code" && lang != "multilingual" && !std::regex_match(lang, code_re))
        c.error("language", fmt::format("'{}' is not an ISO 639-1/2/3 code (two or three lower-case letters, "
                                        "e.g. en, fr, yue) nor 'code' or 'multilingual'", lang));
  }
  for (const char* key : {"datasets", "base_model"}) {
    if (!meta.contains(key)) continue;
    for (const auto& id : c.string_or_list(key, meta[key])) {
      try {
        validate_repo_id(id);
      } catch (const Error&) {
        c.error(key, fmt::format("'{}' is not a repository id (org/name on the Hub)", id));
      }
    }
  }
  if (meta.contains("model-index")) c.check_model_index(meta["model-index"]);
  return c.problems;
}

}  // namespace hfcpp::hub
