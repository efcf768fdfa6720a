// Fuzzes the chat-template engine: the input is a template source, rendered over a fixed
// conversation with tools. Any hfcpp::Error is fine; crashes, hangs and unbounded memory are not
// (the render limits below keep every input bounded).
#include <cstddef>
#include <cstdint>
#include <string>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hfcpp::core::OrderedJson;
  static const OrderedJson messages = OrderedJson::parse(R"([
    {"role": "system", "content": " sys "},
    {"role": "user", "content": "Hi <b> é 🙂"},
    {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"x": [1, 2.5, null]}}}]},
    {"role": "tool", "content": "{\"ok\": true}"},
    {"role": "assistant", "content": "<think>t</think>done"}])");
  static const OrderedJson tools = OrderedJson::parse(
      R"([{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])");
  try {
    auto tmpl = hfcpp::tokenizers::ChatTemplate::compile(std::string(reinterpret_cast<const char*>(data), size));
    hfcpp::tokenizers::ChatTemplateOptions options;
    options.add_generation_prompt = size % 2 == 0;
    options.tools = tools;
    options.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    options.now_unix_seconds = 0;
    options.limits.max_output_bytes = 1 << 20;
    options.limits.max_steps = 200000;
    options.limits.max_call_depth = 40;
    (void)tmpl.render(messages, options);
  } catch (const hfcpp::Error&) {
  }
  return 0;
}
