// libFuzzer target for encode/decode on the real tokenizers of ../shared/data/tokenizers (or
// $HFCPP_TOKENIZERS_DIR): the first input byte picks the tokenizer, the rest is the text (any
// bytes, so invalid UTF-8 too). Tokenizers are loaded once each. Any hfcpp::Error is fine;
// crashes, hangs and leaks are not. (tokenizer_fuzz covers the tokenizer.json loader.)
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace {
constexpr std::array<const char*, 16> kNames = {
    "bert-base-uncased", "all-minilm-l6-v2", "gpt2",     "roberta-base", "clip",  "falcon",
    "gpt4o",             "llama3_1",         "qwen3",    "deepseek_v3",  "llama2", "mistral",
    "phi-3-mini",        "gemma3",           "t5-small", "marian-nmt"};

hfcpp::tokenizers::Tokenizer& tokenizer(size_t k) {
  static std::array<std::unique_ptr<hfcpp::tokenizers::Tokenizer>, kNames.size()> loaded;
  if (!loaded[k]) {
    const char* env = std::getenv("HFCPP_TOKENIZERS_DIR");
    std::string dir = env ? env : HFCPP_SOURCE_DIR "/../shared/data/tokenizers";
    loaded[k] = std::make_unique<hfcpp::tokenizers::Tokenizer>(
        hfcpp::tokenizers::Tokenizer::load(dir + "/" + kNames[k]));
  }
  return *loaded[k];
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto& tok = tokenizer(data[0] % kNames.size());
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    auto enc = tok.encode(text, true);
    (void)tok.decode(enc.ids, false);
    (void)tok.decode(enc.ids, true);
    size_t half = text.size() / 2;
    (void)tok.encode_pair(text.substr(0, half), text.substr(half), false);
  } catch (const hfcpp::Error&) {
  }
  return 0;
}
