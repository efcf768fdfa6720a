// transformers' TextStreamer semantics for a callback: tokens arrive one by one, text is decoded
// from the tokens since the last line break and printed up to the last space (whole when it ends
// in a newline or a CJK character), so words and multi-byte UTF-8 characters split across tokens
// are never cut. end() flushes what is held back.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hfcpp::tokenizers {
class Tokenizer;
}

namespace hfcpp::generation {

class TextStreamer {
 public:
  using Callback = std::function<void(std::string_view text)>;
  TextStreamer(const tokenizers::Tokenizer& tokenizer, Callback on_text, bool skip_special_tokens = true);

  void put(int64_t token);
  void end();

 private:
  void emit(std::string_view text);
  const tokenizers::Tokenizer& tokenizer_;
  Callback on_text_;
  bool skip_special_tokens_;
  std::vector<uint32_t> token_cache_;
  size_t print_len_ = 0;  // bytes of the cache's decoded text already printed
};

// Length of the longest prefix of `text` that does not end inside a UTF-8 character.
size_t complete_utf8_prefix(std::string_view text);

}  // namespace hfcpp::generation
