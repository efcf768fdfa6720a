// ChatSession on the fake model with the byte tokenizer: template rendering, streaming, history,
// reset, and prefix reuse (a new turn prefills only what follows the cached common prefix).
#include <gtest/gtest.h>

#include "byte_tokenizer.h"
#include "fake_lm.h"
#include "hfcpp/generation/chat_session.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

tokenizers::ChatTemplateConfig test_template(const std::string& source) {
  tokenizers::ChatTemplateConfig c;
  c.templates["default"] = source;
  c.origin = "test";
  return c;
}

const char* kTemplate =
    "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

ChatOptions options(int64_t new_tokens) {
  ChatOptions o;
  o.generate.config.max_new_tokens = new_tokens;
  o.generate.config.eos_token_ids = {0};  // NUL: the fake speaks ASCII, which re-encodes to the same ids
  return o;
}

}  // namespace

TEST(ChatSession, SecondTurnPrefillsOnlyNewTokens) {
  fake::FakeLM lm(128, 4096);
  const auto tok = fake::byte_tokenizer();
  ChatSession chat(lm, tok, test_template(kTemplate), options(6));
  std::string streamed;
  const std::string first = chat.send("hi", [&](std::string_view t) { streamed += t; });
  EXPECT_EQ(streamed, first);
  const auto t1 = chat.last_turn();
  EXPECT_EQ(t1.reused_tokens, 0);
  EXPECT_EQ(t1.prompt_tokens, static_cast<int64_t>(std::string("<user>hi\n<assistant>").size()));
  chat.send("more");
  const auto t2 = chat.last_turn();
  // Everything the cache held is reused: the first prompt and the answer but its last token,
  // which was never fed to the model.
  EXPECT_EQ(t2.reused_tokens, t1.prompt_tokens + t1.new_tokens - 1);
  EXPECT_EQ(t2.prefill_tokens + t2.reused_tokens, t2.prompt_tokens);
  EXPECT_EQ(chat.messages().size(), 4u);
}

TEST(ChatSession, ResetForgetsAndRepeatsGreedyAnswers) {
  fake::FakeLM lm(128, 4096);
  const auto tok = fake::byte_tokenizer();
  ChatOptions o = options(5);
  o.system_prompt = "be brief";
  ChatSession chat(lm, tok, test_template(kTemplate), o);
  const std::string a = chat.send("hello");
  chat.send("again");
  chat.reset();
  EXPECT_EQ(chat.messages().size(), 1u);  // the system message stays
  EXPECT_EQ(chat.send("hello"), a);
  EXPECT_EQ(chat.last_turn().reused_tokens, 0);
  EXPECT_NE(chat.render_prompt().find("<system>be brief"), std::string::npos);
}

TEST(ChatSession, TemplateErrorsAndLongPromptsAreClearAndLeaveHistoryIntact) {
  fake::FakeLM lm(128, 40);
  const auto tok = fake::byte_tokenizer();
  ChatSession raising(lm, tok, test_template("{{ raise_exception('no chat here') }}"), options(3));
  try {
    raising.send("hi");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no chat here"), std::string::npos) << e.what();
  }
  EXPECT_EQ(raising.messages().size(), 0u);
  ChatSession chat(lm, tok, test_template(kTemplate), options(3));
  try {
    chat.send(std::string(60, 'x'));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(e.message().find("context"), std::string::npos) << e.message();
  }
  EXPECT_EQ(chat.messages().size(), 0u);
  // Answers stop at the end of the context instead of failing.
  chat.send(std::string(20, 'y'));
  EXPECT_LE(chat.last_turn().prompt_tokens + chat.last_turn().new_tokens, 40);
}

TEST(ChatSession, WithoutTemplateConcatenatesTurns) {
  fake::FakeLM lm(128, 4096);
  const auto tok = fake::byte_tokenizer();
  ChatOptions o = options(3);
  o.use_chat_template = false;
  ChatSession chat(lm, tok, std::nullopt, o);
  chat.send("abc");
  EXPECT_EQ(chat.last_turn().prompt_tokens, 3);
}
