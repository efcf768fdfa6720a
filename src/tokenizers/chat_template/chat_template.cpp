// Public API: compile/render and the loader that finds a model's chat template.
#include "hfcpp/tokenizers/chat_template.h"

#include <fstream>
#include <sstream>

#include "hfcpp/core/error.h"
#include "tokenizers/chat_template/ast.h"
#include "tokenizers/chat_template/evaluator.h"

namespace hfcpp::tokenizers {

namespace ct = chat_template;

ChatTemplate ChatTemplate::compile(std::string_view source) {
  ChatTemplate t;
  t.source_ = std::string(source);
  t.root_ = ct::parse_template(source);
  return t;
}

std::string ChatTemplate::render(const core::OrderedJson& messages, const ChatTemplateOptions& options) const {
  HFCPP_CHECK(messages.is_array(), ErrorCode::InvalidArgument,
              "[chat_template] messages: got a JSON {}, expected an array of message objects",
              core::OrderedJson(messages).type_name());
  HFCPP_CHECK(options.special_tokens.is_object() && options.extra_kwargs.is_object(), ErrorCode::InvalidArgument,
              "[chat_template] special_tokens and extra_kwargs must be JSON objects");
  // transformers: template.render(messages=, tools=, documents=, add_generation_prompt=,
  //                               **{**special_tokens_map, **kwargs})
  std::vector<std::pair<std::string, ct::Value>> vars;
  auto put = [&](const std::string& k, ct::Value v) {
    for (auto& [name, old] : vars)
      if (name == k) {
        old = std::move(v);
        return;
      }
    vars.emplace_back(k, std::move(v));
  };
  put("messages", ct::Value::from_json(messages));
  put("tools", ct::Value::from_json(options.tools));
  put("documents", ct::Value::from_json(options.documents));
  put("add_generation_prompt", ct::Value::boolean(options.add_generation_prompt));
  for (auto it = options.special_tokens.begin(); it != options.special_tokens.end(); ++it)
    put(it.key(), ct::Value::from_json(it.value()));
  for (auto it = options.extra_kwargs.begin(); it != options.extra_kwargs.end(); ++it) {
    const std::string& k = it.key();
    HFCPP_CHECK(k != "messages" && k != "tools" && k != "documents" && k != "add_generation_prompt",
                ErrorCode::InvalidArgument, "[chat_template] kwarg '{}' is set twice (it is a named argument)", k);
    put(k, ct::Value::from_json(it.value()));
  }
  ct::RenderLimits limits{options.limits.max_output_bytes, options.limits.max_steps, options.limits.max_call_depth};
  ct::Evaluator ev(limits, options.now_unix_seconds);
  return ev.render(*root_, std::move(vars));
}

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  HFCPP_CHECK(in.good(), ErrorCode::Io, "[chat_template] cannot open '{}'", p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

core::OrderedJson read_json(const std::filesystem::path& p) {
  return core::parse_ordered_json(read_text(p), p.string());
}

std::string token_text(const core::OrderedJson& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return {};
}

// transformers' special_tokens_map: the named special tokens that are set, as strings.
void add_special_tokens(core::OrderedJson& out, const core::OrderedJson& cfg) {
  if (!cfg.is_object()) return;
  static const char* kNames[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                 "pad_token", "cls_token", "mask_token"};
  for (const char* name : kNames) {
    if (out.contains(name) || !cfg.contains(name)) continue;
    std::string text = token_text(cfg[name]);
    if (!text.empty()) out[name] = text;
  }
  if (!out.contains("additional_special_tokens") && cfg.contains("additional_special_tokens") &&
      cfg["additional_special_tokens"].is_array() && !cfg["additional_special_tokens"].empty()) {
    core::OrderedJson list = core::OrderedJson::array();
    for (const auto& t : cfg["additional_special_tokens"]) list.push_back(token_text(t));
    out["additional_special_tokens"] = list;
  }
}

void add_templates_from_value(ChatTemplateConfig& cfg, const core::OrderedJson& value, const std::string& origin) {
  if (value.is_string()) {
    cfg.templates["default"] = value.get<std::string>();
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      const auto& entry = value[i];
      HFCPP_CHECK(entry.is_object() && entry.contains("name") && entry["name"].is_string() && entry.contains("template") &&
                      entry["template"].is_string(),
                  ErrorCode::Format, "[chat_template] {}: chat_template[{}] must be {{\"name\": str, \"template\": str}}",
                  origin, i);
      cfg.templates[entry["name"].get<std::string>()] = entry["template"].get<std::string>();
    }
  } else if (!value.is_null()) {
    HFCPP_THROW(ErrorCode::Format, "[chat_template] {}: chat_template: got a JSON {}, expected a string or a list",
                origin, value.type_name());
  }
  cfg.origin = origin;
}

}  // namespace

const std::string& ChatTemplateConfig::select(std::string_view name, bool has_tools) const {
  if (!name.empty()) {
    auto it = templates.find(std::string(name));
    if (it != templates.end()) return it->second;
  } else {
    if (has_tools) {
      auto it = templates.find("tool_use");
      if (it != templates.end()) return it->second;
    }
    auto it = templates.find("default");
    if (it != templates.end()) return it->second;
  }
  std::string names;
  for (const auto& [k, v] : templates) names += (names.empty() ? "" : ", ") + k;
  HFCPP_THROW(ErrorCode::NotFound, "[chat_template] {}: no chat template named '{}' (available: {})",
              origin.empty() ? "tokenizer" : origin, name.empty() ? "default" : std::string(name),
              names.empty() ? "none; this tokenizer has no chat template" : names);
}

ChatTemplateConfig load_chat_template_config(const std::filesystem::path& path_or_folder) {
  namespace fs = std::filesystem;
  ChatTemplateConfig cfg;
  fs::path p = path_or_folder;
  HFCPP_CHECK(fs::exists(p), ErrorCode::NotFound, "[chat_template] '{}' does not exist", p.string());
  if (!fs::is_directory(p)) {
    std::string fname = p.filename().string();
    if (p.extension() == ".jinja") {
      cfg.templates["default"] = read_text(p);
      cfg.origin = p.string();
      fs::path dir = p.parent_path();
      if (fs::exists(dir / "tokenizer_config.json")) add_special_tokens(cfg.special_tokens, read_json(dir / "tokenizer_config.json"));
      return cfg;
    }
    if (fname != "tokenizer_config.json" && fname != "chat_template.json") {
      // e.g. tokenizer.json: use the folder it sits in.
      p = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    } else {
      core::OrderedJson j = read_json(p);
      HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[chat_template] {}: expected a JSON object", p.string());
      add_templates_from_value(cfg, j.contains("chat_template") ? j["chat_template"] : core::OrderedJson(), p.string());
      add_special_tokens(cfg.special_tokens, j);
      fs::path stm = p.parent_path() / "special_tokens_map.json";
      if (fs::exists(stm)) add_special_tokens(cfg.special_tokens, read_json(stm));
      return cfg;
    }
  }
  const fs::path dir = p;
  core::OrderedJson config;
  if (fs::exists(dir / "tokenizer_config.json")) {
    config = read_json(dir / "tokenizer_config.json");
    HFCPP_CHECK(config.is_object(), ErrorCode::Format, "[chat_template] {}: expected a JSON object",
                (dir / "tokenizer_config.json").string());
  }
  if (fs::exists(dir / "chat_template.jinja")) {
    cfg.templates["default"] = read_text(dir / "chat_template.jinja");
    cfg.origin = (dir / "chat_template.jinja").string();
    fs::path extra = dir / "additional_chat_templates";
    if (fs::is_directory(extra))
      for (const auto& e : fs::directory_iterator(extra))
        if (e.path().extension() == ".jinja") cfg.templates[e.path().stem().string()] = read_text(e.path());
  } else if (config.is_object() && config.contains("chat_template") && !config["chat_template"].is_null()) {
    add_templates_from_value(cfg, config["chat_template"], (dir / "tokenizer_config.json").string());
  } else if (fs::exists(dir / "chat_template.json")) {
    core::OrderedJson j = read_json(dir / "chat_template.json");
    HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[chat_template] {}: expected a JSON object",
                (dir / "chat_template.json").string());
    add_templates_from_value(cfg, j.contains("chat_template") ? j["chat_template"] : core::OrderedJson(),
                             (dir / "chat_template.json").string());
  }
  if (cfg.origin.empty()) cfg.origin = dir.string();
  add_special_tokens(cfg.special_tokens, config);
  if (fs::exists(dir / "special_tokens_map.json")) add_special_tokens(cfg.special_tokens, read_json(dir / "special_tokens_map.json"));
  return cfg;
}

}  // namespace hfcpp::tokenizers
