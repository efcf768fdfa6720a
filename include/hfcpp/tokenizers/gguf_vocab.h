// The tokenizer.ggml.* metadata of a GGUF file as plain data, and its conversion into the
// equivalent Hugging Face tokenizer pipeline. The GGUF reader (formats) fills a GgufVocab;
// tokenizers depends on core only, so it never reads GGUF itself.
//
// Supported tokenizer.ggml.model values:
//   "gpt2"  byte-level BPE; tokenizer.ggml.pre picks the pre-tokenizer regexes the way
//           llama.cpp does (the original tokenizer.json regexes of each model family).
//   "llama" SentencePiece BPE: merges rebuilt from the scores, byte fallback, "▁" for spaces
//           (prefixed when add_space_prefix), as the HF "legacy" Llama tokenizer.
//   "bert"  WordPiece with llama.cpp's "▁word" / "piece" vocab mapped back to "word" / "##piece".
// Token types CONTROL become special added tokens, USER_DEFINED non-special added tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hfcpp::tokenizers {

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class GgufTokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

struct GgufVocab {
  std::string model;                // tokenizer.ggml.model
  std::string pre;                  // tokenizer.ggml.pre ("" when absent)
  std::vector<std::string> tokens;  // tokenizer.ggml.tokens
  std::vector<float> scores;        // tokenizer.ggml.scores (may be empty)
  std::vector<int32_t> token_type;  // tokenizer.ggml.token_type (may be empty: all Normal)
  std::vector<std::string> merges;  // tokenizer.ggml.merges, "a b"
  std::optional<uint32_t> bos_id, eos_id, unk_id, pad_id, sep_id, cls_id, mask_id;
  std::optional<bool> add_bos, add_eos, add_sep, add_space_prefix;
  std::string chat_template;        // tokenizer.chat_template ("" when absent)
};

// The tokenizer.json text equivalent to `vocab` (Tokenizer::from_gguf_vocab loads it).
// Throws Error(Unsupported) for an unknown model or pre-tokenizer name, Error(Format) for
// inconsistent metadata (array lengths, ids out of range, malformed merges).
std::string tokenizer_json_from_gguf_vocab(const GgufVocab& vocab);

// The pre-tokenizer names tokenizer_json_from_gguf_vocab knows, for messages and tests.
std::vector<std::string> known_gguf_pre_tokenizers();

}  // namespace hfcpp::tokenizers
