// Stop strings (transformers' StopStringCriteria): generation stops at the first token whose text
// completes a stop string, even when the string spans several tokens; the text keeps it, as
// transformers' pipeline output does.
#include <gtest/gtest.h>

#include "byte_tokenizer.h"
#include "fake_lm.h"
#include "generation/stopping.h"
#include "hfcpp/generation/generate.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

std::string text_of(const tokenizers::Tokenizer& tok, const std::vector<int64_t>& ids, size_t from) {
  std::vector<uint32_t> u(ids.begin() + static_cast<std::ptrdiff_t>(from), ids.end());
  return tok.decode(u);
}

}  // namespace

TEST(StopStrings, StopAtTheTokenThatCompletesTheString) {
  fake::FakeLM lm(128, 512);
  const auto tok = fake::byte_tokenizer();
  const std::vector<int64_t> prompt{'h', 'i'};
  GenerateOptions o;
  o.config.max_new_tokens = 30;
  const auto free_run = generate(lm, {prompt}, o);
  const std::string text = text_of(tok, free_run.sequences[0], 2);
  ASSERT_EQ(text.size(), 30u);
  // A 3-character stop string taken from the middle of the free run.
  const std::string stop = text.substr(10, 3);
  const size_t first = text.find(stop);
  o.config.stop_strings = {stop};
  o.tokenizer = &tok;
  const auto out = generate(lm, {prompt}, o);
  const std::string stopped = text_of(tok, out.sequences[0], 2);
  EXPECT_EQ(stopped, text.substr(0, first + stop.size()));
}

TEST(StopStrings, NeedATokenizer) {
  fake::FakeLM lm(128, 512);
  GenerateOptions o;
  o.config.max_new_tokens = 3;
  o.config.stop_strings = {"x"};
  EXPECT_THROW(generate(lm, {{1}}, o), Error);
}

TEST(StopStrings, CriteriaMatchOnlyWhenTheStringEndsInTheLastToken) {
  const auto tok = fake::byte_tokenizer();
  GenerationConfig c;
  c.stop_strings = {"end", "\xC3\xA9"};
  StoppingCriteria s(c, 100, &tok);
  std::vector<int64_t> seq;
  for (unsigned char ch : std::string("the end")) seq.push_back(ch);
  EXPECT_TRUE(s.hits_stop_string(seq));
  seq.push_back('s');
  EXPECT_FALSE(s.hits_stop_string(seq));  // "end" no longer touches the last token
  std::vector<int64_t> accent{'c', 'a', 'f', 0xC3, 0xA9};
  EXPECT_TRUE(s.hits_stop_string(accent));
  accent.pop_back();
  EXPECT_FALSE(s.hits_stop_string(accent));
}
