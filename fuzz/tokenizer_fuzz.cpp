// libFuzzer target for the tokenizer loader and encode/decode. Input: a tokenizer.json, then
// a NUL byte, then the text to encode. Any hfcpp::Error is fine; crashes and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t nul = all.find('\0');
  std::string_view json = all.substr(0, nul);
  std::string_view text = nul == std::string_view::npos ? std::string_view("hello world") : all.substr(nul + 1);
  try {
    auto tok = hfcpp::tokenizers::Tokenizer::from_json(json, "fuzz");
    auto enc = tok.encode(text, true);
    (void)tok.decode(enc.ids, false);
    (void)tok.decode(enc.ids, true);
    (void)tok.encode_pair(text, text, false);
  } catch (const hfcpp::Error&) {
  }
  return 0;
}
