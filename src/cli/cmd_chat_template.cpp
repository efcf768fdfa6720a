// `hfcpp chat-template --tokenizer PATH_OR_FOLDER [--add-generation-prompt] [--json] < messages.json`
// stdin: a JSON array of messages, or an object {"messages": [...], "tools": [...],
// "documents": [...], "add_generation_prompt": bool, <other template kwargs>}. Prints the
// rendered prompt exactly (no newline added), or {"text": ...} with --json.
#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/chat_template.h"

namespace hfcpp::cli {

namespace {

struct ChatTemplateArgs {
  std::string tokenizer;
  std::string template_name;
  bool add_generation_prompt = false;
  bool json = false;
  int64_t now = -1;
};

void run_chat_template(const ChatTemplateArgs& args) {
  using core::OrderedJson;
  auto config = tokenizers::load_chat_template_config(args.tokenizer);
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  OrderedJson request = core::parse_ordered_json(input, "stdin");

  tokenizers::ChatTemplateOptions options;
  options.special_tokens = config.special_tokens;
  options.add_generation_prompt = args.add_generation_prompt;
  if (args.now >= 0) options.now_unix_seconds = args.now;
  OrderedJson messages;
  if (request.is_array()) {
    messages = std::move(request);
  } else if (request.is_object()) {
    HFCPP_CHECK(request.contains("messages"), ErrorCode::InvalidArgument,
                "[chat-template] stdin: missing field 'messages' (expected an array of messages)");
    for (auto it = request.begin(); it != request.end(); ++it) {
      const std::string& key = it.key();
      if (key == "messages") messages = it.value();
      else if (key == "tools") options.tools = it.value();
      else if (key == "documents") options.documents = it.value();
      else if (key == "add_generation_prompt") {
        HFCPP_CHECK(it.value().is_boolean(), ErrorCode::InvalidArgument,
                    "[chat-template] stdin: 'add_generation_prompt' must be a boolean, got {}", it.value().type_name());
        options.add_generation_prompt = options.add_generation_prompt || it.value().get<bool>();
      } else {
        options.extra_kwargs[key] = it.value();
      }
    }
  } else {
    HFCPP_THROW(ErrorCode::InvalidArgument, "[chat-template] stdin: got a JSON {}, expected an array of messages or an object",
                request.type_name());
  }
  const bool has_tools = !options.tools.is_null();
  const std::string& source = config.select(args.template_name, has_tools);
  std::string text;
  try {
    text = tokenizers::ChatTemplate::compile(source).render(messages, options);
  } catch (Error& e) {
    e.with_context("chat template from " + config.origin);
    throw;
  }
  if (args.json) {
    std::string line = OrderedJson{{"text", text}}.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  std::fflush(stdout);
}

}  // namespace

void register_chat_template(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("chat-template", "Render a tokenizer's chat template over messages read from stdin");
  auto args = std::make_shared<ChatTemplateArgs>();
  cmd->add_option("--tokenizer", args->tokenizer,
                  "Tokenizer folder, tokenizer_config.json, tokenizer.json or a .jinja template file")
      ->required();
  cmd->add_flag("--add-generation-prompt", args->add_generation_prompt, "Append the assistant turn header");
  cmd->add_option("--template", args->template_name, "Named template (tokenizers with several, e.g. tool_use)");
  cmd->add_flag("--json", args->json, "Print {\"text\": ...} on one line");
  cmd->add_option("--now", args->now, "strftime_now's clock: this Unix time, in UTC (default: now, local time)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_chat_template(*args); });
  (void)global;
}

}  // namespace hfcpp::cli
