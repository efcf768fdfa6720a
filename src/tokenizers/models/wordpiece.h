// WordPiece: greedy longest-match-first with the continuing-subword prefix; words longer than
// max_input_chars_per_word, or with no match, become one unk token. Declared here so that
// encode's BERT path (bert_fast_path.cpp) can tokenize words without building Token values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/models/vocab.h"

namespace hfcpp::tokenizers {

// One piece of a word: id and its byte range in the word.
struct WordPieceHit {
  uint32_t id;
  uint32_t start;
  uint32_t end;
};

class WordPiece : public Model {
 public:
  WordPiece(Vocab vocab, std::string unk, std::string prefix, size_t max_chars);

  // The pieces of one word appended to out; false (out unchanged) when the word is one unk.
  bool tokenize_word(std::string_view word, std::vector<WordPieceHit>& out) const;
  uint32_t unk_id() const;
  const std::string& unk_token() const { return unk_; }
  const std::string& token_text(uint32_t id) const { return vocab_.by_id[id]; }

  void tokenize(std::string_view text, std::vector<Token>& out) const override;
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.map.size(); }

 private:
  Vocab vocab_;
  // The vocab's prefixed tokens with the prefix taken off, so continuations are looked up
  // on a view of the word instead of a prefix + piece string built per candidate.
  StringIdIndex continuations_;
  std::string unk_, prefix_;
  size_t max_chars_;
  size_t max_token_bytes_ = 0;
  size_t max_continuation_bytes_ = 0;
};

}  // namespace hfcpp::tokenizers
