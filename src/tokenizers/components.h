// The five pipeline stages as abstract classes; one subclass per tokenizer.json "type", in its
// own file under normalizers/ pre_tokenizers/ models/ processors/ decoders/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/tokenizers/encoding.h"
#include "tokenizers/normalized_string.h"

namespace hfcpp::tokenizers {

// A model output: id, token text, byte offsets into the normalized split it came from.
struct Token {
  uint32_t id;
  std::string value;
  size_t start;
  size_t end;
};

struct Split {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;
};

// The reference's PreTokenizedString: the splits of one input.
class PreTokenizedString {
 public:
  explicit PreTokenizedString(std::string_view original) : original_len_(original.size()) {
    splits_.push_back({NormalizedString(original), std::nullopt});
  }
  // Replaces every not-yet-tokenized split by fn's pieces, dropping empty ones.
  template <class F>
  void split(F&& fn) {
    std::vector<Split> next;
    next.reserve(splits_.size());
    std::vector<NormalizedString> pieces;
    for (size_t i = 0; i < splits_.size(); ++i) {
      if (splits_[i].tokens) {
        next.push_back(std::move(splits_[i]));
        continue;
      }
      pieces.clear();
      fn(i, std::move(splits_[i].normalized), pieces);
      for (auto& p : pieces)
        if (!p.empty()) next.push_back({std::move(p), std::nullopt});
    }
    splits_ = std::move(next);
  }
  std::vector<Split>& splits() { return splits_; }
  const std::vector<Split>& splits() const { return splits_; }
  size_t original_len() const { return original_len_; }

 private:
  size_t original_len_;
  std::vector<Split> splits_;
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& s) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of one split to out (offsets are bytes of `text`).
  virtual void tokenize(std::string_view text, std::vector<Token>& out) const = 0;
  virtual std::optional<uint32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(uint32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual size_t added_tokens(bool is_pair) const = 0;
  virtual void process_encodings(std::vector<Encoding>& encodings, bool add_special) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

}  // namespace hfcpp::tokenizers
