// A byte-level tokenizer for tests: token id = byte value (GPT-2's byte-to-unicode alphabet, no
// merges), plus "<eos>" = 256. Multi-byte UTF-8 characters span several tokens, which is what
// the streamer must handle.
#pragma once

#include <string>

#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::generation::fake {

inline std::string byte_to_unicode(int b) {
  // GPT-2: printable Latin-1 bytes map to themselves, the others to U+0100 + n in order.
  auto printable = [](int c) { return (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255); };
  int cp = b;
  if (!printable(b)) {
    int n = 0;
    for (int c = 0; c < b; ++c)
      if (!printable(c)) ++n;
    cp = 256 + n;
  }
  std::string out;
  if (cp < 0x80) out += static_cast<char>(cp);
  else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

inline tokenizers::Tokenizer byte_tokenizer() {
  core::Json vocab = core::Json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_to_unicode(b)] = b;
  vocab["<eos>"] = 256;
  core::Json j = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens",
       {{{"id", 256}, {"content", "<eos>"}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
         {"normalized", false}, {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
        {"vocab", vocab}, {"merges", core::Json::array()}}},
  };
  return tokenizers::Tokenizer::from_json(j.dump(), "byte_tokenizer");
}

}  // namespace hfcpp::generation::fake
