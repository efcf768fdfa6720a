// WordPiece: greedy longest-match-first with the continuing-subword prefix; words longer than
// max_input_chars_per_word, or with no match, become one unk token.
#include <algorithm>

#include "hfcpp/core/error.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
class WordPiece : public Model {
 public:
  WordPiece(Vocab vocab, std::string unk, std::string prefix, size_t max_chars)
      : vocab_(std::move(vocab)), unk_(std::move(unk)), prefix_(std::move(prefix)),
        max_chars_(max_chars) {
    for (const auto& [token, id] : vocab_.map) max_token_bytes_ = std::max(max_token_bytes_, token.size());
  }

  void tokenize(std::string_view text, std::vector<Token>& out) const override {
    if (utf8::count_chars(text) > max_chars_) {
      out.push_back({unk_id(), unk_, 0, text.size()});
      return;
    }
    size_t mark = out.size();
    std::string buf;
    size_t start = 0;
    while (start < text.size()) {
      // Longer candidates than the longest vocab token cannot match: start below that length.
      size_t limit = max_token_bytes_ - std::min(max_token_bytes_, start > 0 ? prefix_.size() : 0);
      size_t end = text.size() - start > limit ? start + limit + 1 : text.size();
      if (end < text.size()) {
        do {
          --end;
        } while (end > start && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80);
      }
      std::optional<uint32_t> found;
      while (start < end) {
        std::string_view sub = text.substr(start, end - start);
        if (start > 0) {
          buf.assign(prefix_);
          buf.append(sub);
          found = vocab_.find(buf);
        } else {
          found = vocab_.find(sub);
        }
        if (found) break;
        do {
          --end;
        } while (end > start && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80);
      }
      if (!found) {
        out.resize(mark);
        out.push_back({unk_id(), unk_, 0, text.size()});
        return;
      }
      out.push_back({*found, vocab_.by_id[*found], start, end});
      start = end;
    }
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.map.size(); }

 private:
  uint32_t unk_id() const {
    auto id = vocab_.find(unk_);
    HFCPP_CHECK(id.has_value(), ErrorCode::Format,
                "[tokenizers] WordPiece: unk_token '{}' is not in the vocabulary", unk_);
    return *id;
  }
  Vocab vocab_;
  std::string unk_, prefix_;
  size_t max_chars_;
  size_t max_token_bytes_ = 0;
};

class WordLevel : public Model {
 public:
  WordLevel(Vocab vocab, std::string unk) : vocab_(std::move(vocab)), unk_(std::move(unk)) {}
  void tokenize(std::string_view text, std::vector<Token>& out) const override {
    if (auto id = vocab_.find(text)) {
      out.push_back({*id, std::string(text), 0, text.size()});
      return;
    }
    auto unk = vocab_.find(unk_);
    HFCPP_CHECK(unk.has_value(), ErrorCode::InvalidArgument,
                "[tokenizers] WordLevel: unk_token '{}' is not in the vocabulary", unk_);
    out.push_back({*unk, unk_, 0, text.size()});
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.map.size(); }

 private:
  Vocab vocab_;
  std::string unk_;
};
}  // namespace

ModelPtr make_wordpiece(const Json& j, const std::string& path) {
  return std::make_unique<WordPiece>(
      parse_vocab_object(field(j, "vocab", path), join_path(path, "vocab")),
      str_field_or(j, "unk_token", "[UNK]", path),
      str_field_or(j, "continuing_subword_prefix", "##", path),
      static_cast<size_t>(int_field_or(j, "max_input_chars_per_word", 100, path)));
}

ModelPtr make_wordlevel(const Json& j, const std::string& path) {
  return std::make_unique<WordLevel>(
      parse_vocab_object(field(j, "vocab", path), join_path(path, "vocab")),
      str_field_or(j, "unk_token", "<unk>", path));
}

}  // namespace hfcpp::tokenizers
