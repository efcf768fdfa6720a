// Chat templates: render a model's Jinja `chat_template` exactly as transformers'
// `apply_chat_template(..., tokenize=False)` does.
//
// Debian 12 packages no C++ Jinja engine (apt-cache search jinja: only Python, Rust and R
// ones), and Jinja-like C++ engines such as inja are not compatible enough for Hugging Face
// templates: no namespace(), no Python string methods (.strip(), .split(), .startswith()),
// no slicing ([::-1]), different whitespace control (no trim_blocks/lstrip_blocks as jinja2
// applies them), different undefined semantics and no `is` tests with jinja2's names.
// So hfcpp carries its own engine (src/tokenizers/chat_template/), which reproduces jinja2
// 3.1 in the environment transformers builds: ImmutableSandboxedEnvironment(trim_blocks=True,
// lstrip_blocks=True, extensions=[loopcontrols, AssistantTracker {% generation %}]), the
// tojson override (json.dumps with ensure_ascii=False) and the globals raise_exception and
// strftime_now.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hfcpp/core/json.h"

namespace hfcpp::tokenizers {

namespace chat_template {
struct Node;
}

struct ChatTemplateLimits {
  size_t max_output_bytes = size_t{64} << 20;  // output and any single intermediate value
  uint64_t max_steps = 20'000'000;               // evaluation steps before "runaway loop"
  int max_call_depth = 100;                      // nested macro calls
};

struct ChatTemplateOptions {
  bool add_generation_prompt = false;
  core::OrderedJson tools;      // null: `tools` renders as None, as transformers passes it
  core::OrderedJson documents;  // null: None
  // Special tokens exposed to the template (bos_token, eos_token, ... as transformers'
  // special_tokens_map): an object of strings (additional_special_tokens: a list).
  core::OrderedJson special_tokens = core::OrderedJson::object();
  // Other template kwargs (enable_thinking, date_string, ...); they override special tokens.
  core::OrderedJson extra_kwargs = core::OrderedJson::object();
  // strftime_now's clock: UTC at this Unix time instead of the local current time.
  std::optional<int64_t> now_unix_seconds;
  ChatTemplateLimits limits;
};

class ChatTemplate {
 public:
  // Parses the template. Throws hfcpp::Error(Format) naming the line on a syntax error.
  static ChatTemplate compile(std::string_view source);

  // Renders `messages` (a JSON array of message objects). Errors the template raises
  // (raise_exception, undefined access, type errors) throw hfcpp::Error(InvalidArgument)
  // whose message starts with "[chat_template]"; raise_exception's text follows
  // "raise_exception: " verbatim.
  std::string render(const core::OrderedJson& messages, const ChatTemplateOptions& options = {}) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const chat_template::Node> root_;
};

// What a tokenizer folder provides for chat templating.
struct ChatTemplateConfig {
  std::map<std::string, std::string> templates;  // name -> source; a single template is "default"
  core::OrderedJson special_tokens = core::OrderedJson::object();  // as transformers' special_tokens_map
  std::string origin;  // the file the template came from, for messages

  // transformers' choice: the named template; else "tool_use" when tools are given and it
  // exists; else "default". Throws NotFound listing the available names.
  const std::string& select(std::string_view name, bool has_tools) const;
};

// Loads from a folder, a tokenizer_config.json (or tokenizer.json beside one), a
// chat_template.jinja or a chat_template.json. In a folder, as recent transformers saves it,
// chat_template.jinja (+ additional_chat_templates/*.jinja) wins over tokenizer_config.json's
// "chat_template" (a string or a list of {"name", "template"}), which wins over
// chat_template.json. Special tokens come from tokenizer_config.json, then
// special_tokens_map.json for names the config lacks.
ChatTemplateConfig load_chat_template_config(const std::filesystem::path& path_or_folder);

}  // namespace hfcpp::tokenizers
