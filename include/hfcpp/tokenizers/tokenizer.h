// A Hugging Face tokenizer.json, loaded and run exactly as the `tokenizers` library (0.23.2)
// does: normalizer -> pre-tokenizer -> model -> post-processor, with added tokens, truncation,
// padding and decoding. The pipeline is built from the file's "type" fields.
//
// Input text must be valid UTF-8: the reference only accepts Unicode strings (Python str),
// so invalid UTF-8 is refused with Error(InvalidArgument) naming the byte offset.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/tokenizers/encoding.h"

namespace hfcpp::tokenizers {

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };

struct TruncationParams {
  size_t max_length = 512;
  size_t stride = 0;
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  bool from_left = false;  // direction "Left"
};

struct PaddingParams {
  std::optional<size_t> fixed_length;  // nullopt: pad to the longest of the batch
  size_t pad_to_multiple_of = 0;       // 0: none
  uint32_t pad_id = 0;
  uint32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
  bool left = false;
};

struct GgufVocab;

struct AddedTokenInfo {
  uint32_t id;
  std::string content;
  bool special;
};

class Tokenizer {
 public:
  // A tokenizer.json file, a folder holding one, or a Hub repo id found in the HF cache.
  static Tokenizer load(const std::string& path_or_repo);
  static Tokenizer from_file(const std::string& path);
  // source names the text in error messages.
  static Tokenizer from_json(std::string_view json_text, std::string_view source = "tokenizer.json");
  // The tokenizer described by GGUF tokenizer.ggml.* metadata (see gguf_vocab.h).
  static Tokenizer from_gguf_vocab(const GgufVocab& vocab);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  Encoding encode_pair(std::string_view a, std::string_view b, bool add_special_tokens = true) const;
  // Encodes texts in parallel over core::parallel_for; padding (BatchLongest) spans the batch.
  std::vector<Encoding> encode_batch(std::span<const std::string> texts,
                                     bool add_special_tokens = true) const;
  std::string decode(std::span<const uint32_t> ids, bool skip_special_tokens = false) const;

  std::optional<uint32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(uint32_t id) const;
  size_t vocab_size(bool with_added_tokens = true) const;
  std::vector<AddedTokenInfo> added_tokens() const;

  const std::optional<TruncationParams>& truncation() const;
  const std::optional<PaddingParams>& padding() const;
  void set_truncation(std::optional<TruncationParams> params);
  void set_padding(std::optional<PaddingParams> params);
  // Testing aid: false makes encode take the general pipeline instead of its specialised paths
  // for common configurations (GPT-2 byte-level, BERT); results are identical either way.
  void set_fast_paths(bool enabled);

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hfcpp::tokenizers
