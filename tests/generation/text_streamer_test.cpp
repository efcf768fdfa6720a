#include <gtest/gtest.h>

#include "byte_tokenizer.h"
#include "hfcpp/generation/text_streamer.h"

using namespace hfcpp;
using namespace hfcpp::generation;

namespace {

bool valid_utf8(std::string_view s) { return complete_utf8_prefix(s) == s.size() && s.find("\xEF\xBF\xBD") == std::string_view::npos; }

std::vector<std::string> stream(const tokenizers::Tokenizer& tok, const std::string& text, bool per_chunk_check = true) {
  std::vector<std::string> chunks;
  TextStreamer streamer(tok, [&](std::string_view t) { chunks.emplace_back(t); });
  for (unsigned char c : text) streamer.put(c);
  streamer.end();
  if (per_chunk_check)
    for (const auto& c : chunks) EXPECT_TRUE(valid_utf8(c)) << "chunk cuts a character: " << c;
  return chunks;
}

}  // namespace

TEST(TextStreamer, ByteTokenizerRoundTrips) {
  const auto tok = fake::byte_tokenizer();
  const std::string text = "h\xC3\xA9llo";
  const auto enc = tok.encode(text, false);
  ASSERT_EQ(enc.ids.size(), text.size());
  EXPECT_EQ(tok.decode(enc.ids), text);
}

TEST(TextStreamer, MultiByteCharactersAcrossTokensAreNeverCut) {
  const auto tok = fake::byte_tokenizer();
  const std::string text = "na\xC3\xAFve caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x98\x80 ok\nnext line \xE4\xBD\xA0\xE5\xA5\xBD end";
  const auto chunks = stream(tok, text);
  std::string joined;
  for (const auto& c : chunks) joined += c;
  EXPECT_EQ(joined, text);
  EXPECT_GT(chunks.size(), 4u);
}

TEST(TextStreamer, WordsAreHeldUntilASpaceLikeTransformers) {
  const auto tok = fake::byte_tokenizer();
  std::vector<std::string> chunks;
  TextStreamer streamer(tok, [&](std::string_view t) { chunks.emplace_back(t); });
  for (unsigned char c : std::string("hello wor")) streamer.put(c);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], "hello ");
  for (unsigned char c : std::string("ld\n")) streamer.put(c);
  EXPECT_EQ(chunks.back(), "world\n");  // a line break flushes
  // CJK ideographs are printed as soon as they are complete.
  for (unsigned char c : std::string("\xE4\xBD\xA0")) streamer.put(c);
  EXPECT_EQ(chunks.back(), "\xE4\xBD\xA0");
  streamer.put('x');
  streamer.end();
  EXPECT_EQ(chunks.back(), "x");
}

TEST(TextStreamer, SpecialTokensAreSkipped) {
  const auto tok = fake::byte_tokenizer();
  std::string out;
  TextStreamer streamer(tok, [&](std::string_view t) { out += t; });
  for (unsigned char c : std::string("ab ")) streamer.put(c);
  streamer.put(256);
  streamer.end();
  EXPECT_EQ(out, "ab ");
}

TEST(TextStreamer, CompleteUtf8Prefix) {
  EXPECT_EQ(complete_utf8_prefix("abc"), 3u);
  EXPECT_EQ(complete_utf8_prefix("ab\xC3"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xE2\x82"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xE2\x82\xAC"), 5u);
  EXPECT_EQ(complete_utf8_prefix("\xF0\x9F\x98"), 0u);
}
