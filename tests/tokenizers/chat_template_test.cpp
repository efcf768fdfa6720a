// Chat templates against jinja2 goldens (scripts/golden/make_chat_templates.py) for every
// template in ../shared/data/tokenizers, plus engine limits and error behaviour.
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/chat_template.h"

namespace {

using hfcpp::core::OrderedJson;
using hfcpp::tokenizers::ChatTemplate;
using hfcpp::tokenizers::ChatTemplateOptions;

const std::string kData = std::string(HFCPP_SOURCE_DIR) + "/../shared/data/tokenizers";

TEST(ChatTemplate, MatchesJinja2Goldens) {
  std::ifstream in(std::string(HFCPP_SOURCE_DIR) + "/tests/golden/tokenizers/chat_templates.jsonl");
  ASSERT_TRUE(in.good()) << "missing tests/golden/tokenizers/chat_templates.jsonl";
  std::ifstream probe(kData + "/qwen3/tokenizer_config.json");
  if (!probe.good()) GTEST_SKIP() << "shared tokenizer data missing: " << kData;
  std::map<std::string, OrderedJson> requests;
  int64_t now = 0;
  int checked = 0;
  std::string line;
  while (std::getline(in, line)) {
    OrderedJson j = hfcpp::core::parse_ordered_json(line, "chat_templates.jsonl");
    if (j.contains("meta")) {
      now = j["meta"]["strftime_now_utc"].get<int64_t>();
      continue;
    }
    if (j.contains("request")) {
      requests[j["conversation"].get<std::string>()] = j["request"];
      continue;
    }
    const std::string tok = j["tokenizer"].get<std::string>();
    const std::string label = tok + "/" + j["conversation"].get<std::string>() +
                              (j["add_generation_prompt"].get<bool>() ? "+gen" : "");
    static std::map<std::string, hfcpp::tokenizers::ChatTemplateConfig> configs;
    if (!configs.count(tok)) configs[tok] = hfcpp::tokenizers::load_chat_template_config(kData + "/" + tok);
    const auto& config = configs[tok];
    OrderedJson req = requests.at(j["conversation"].get<std::string>());
    ChatTemplateOptions options;
    options.special_tokens = config.special_tokens;
    options.add_generation_prompt = j["add_generation_prompt"].get<bool>();
    options.now_unix_seconds = now;
    for (auto it = req.begin(); it != req.end(); ++it) {
      if (it.key() == "tools") options.tools = it.value();
      else if (it.key() != "messages") options.extra_kwargs[it.key()] = it.value();
    }
    auto tmpl = ChatTemplate::compile(config.select(j["template"].get<std::string>(), !options.tools.is_null()));
    if (j.contains("text")) {
      EXPECT_EQ(tmpl.render(req["messages"], options), j["text"].get<std::string>()) << label;
    } else {
      try {
        std::string out = tmpl.render(req["messages"], options);
        ADD_FAILURE() << label << ": expected error '" << j["error"].get<std::string>() << "', got output " << out;
      } catch (const hfcpp::Error& e) {
        EXPECT_EQ(e.code(), hfcpp::ErrorCode::InvalidArgument) << label;
        if (j.value("raised", false)) {
          EXPECT_NE(std::string(e.what()).find(j["error"].get<std::string>()), std::string::npos) << label << ": " << e.what();
        }
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 100);
}

std::string render(const std::string& src, ChatTemplateOptions options = {}) {
  return ChatTemplate::compile(src).render(OrderedJson::array(), options);
}

TEST(ChatTemplate, WhitespaceControl) {
  EXPECT_EQ(render("a\n  {% if true %}\nb\n  {% endif %}\nc\n"), "a\nb\nc");
  EXPECT_EQ(render("{{- ' x ' -}}  \n {{ 'y' }}"), " x y");
  EXPECT_EQ(render("{%+ if true %}k{% endif %}"), "k");
}

TEST(ChatTemplate, SyntaxErrorsNameTheLine) {
  try {
    ChatTemplate::compile("ok\n{% if %}");
    FAIL();
  } catch (const hfcpp::Error& e) {
    EXPECT_EQ(e.code(), hfcpp::ErrorCode::Format);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ChatTemplate::compile("{% for x in y %}"), hfcpp::Error);
  EXPECT_THROW(ChatTemplate::compile("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}"), hfcpp::Error);  // nesting limit, no stack overflow
}

TEST(ChatTemplate, LimitsStopRunawayTemplates) {
  ChatTemplateOptions small;
  small.limits.max_steps = 100000;
  EXPECT_THROW(render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", small), hfcpp::Error);
  small.limits.max_output_bytes = 1 << 20;
  EXPECT_THROW(render("{{ 'x' * 100000000 }}", small), hfcpp::Error);
  EXPECT_THROW(render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), hfcpp::Error);
  EXPECT_THROW(render("{{ 2 ** 100 }}"), hfcpp::Error);  // 64-bit ints: overflow is an error, not UB
}

TEST(ChatTemplate, RaiseExceptionKeepsMessage) {
  try {
    render("{{ raise_exception('Roles must alternate') }}");
    FAIL();
  } catch (const hfcpp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("raise_exception: Roles must alternate"), std::string::npos);
  }
}

}  // namespace
