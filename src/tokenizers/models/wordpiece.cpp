// WordPiece (see wordpiece.h) and WordLevel.
#include "tokenizers/models/wordpiece.h"

#include <algorithm>

#include "hfcpp/core/error.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
bool is_continuation_byte(char b) { return (static_cast<unsigned char>(b) & 0xC0) == 0x80; }
}  // namespace

WordPiece::WordPiece(Vocab vocab, std::string unk, std::string prefix, size_t max_chars)
    : vocab_(std::move(vocab)), unk_(std::move(unk)), prefix_(std::move(prefix)), max_chars_(max_chars) {
  VocabMap stripped;
  for (const auto& [token, id] : vocab_.map) {
    max_token_bytes_ = std::max(max_token_bytes_, token.size());
    if (token.size() > prefix_.size() && token.compare(0, prefix_.size(), prefix_) == 0) {
      stripped.emplace(token.substr(prefix_.size()), id);
      max_continuation_bytes_ = std::max(max_continuation_bytes_, token.size() - prefix_.size());
    }
  }
  continuations_.build(stripped);
}

bool WordPiece::tokenize_word(std::string_view text, std::vector<WordPieceHit>& out) const {
  if (utf8::count_chars(text) > max_chars_) return false;
  size_t mark = out.size();
  size_t start = 0;
  while (start < text.size()) {
    // Longer candidates than the longest vocab token cannot match: start below that length.
    size_t limit = start > 0 ? max_continuation_bytes_ : max_token_bytes_;
    size_t end = text.size() - start > limit ? start + limit + 1 : text.size();
    if (end < text.size()) {
      do {
        --end;
      } while (end > start && is_continuation_byte(text[end]));
    }
    const StringIdIndex& index = start > 0 ? continuations_ : vocab_.index;
    std::optional<uint32_t> found;
    while (start < end) {
      found = index.find(text.substr(start, end - start));
      if (found) break;
      do {
        --end;
      } while (end > start && is_continuation_byte(text[end]));
    }
    if (!found) {
      out.resize(mark);
      return false;
    }
    out.push_back({*found, static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
    start = end;
  }
  return true;
}

uint32_t WordPiece::unk_id() const {
  auto id = vocab_.find(unk_);
  HFCPP_CHECK(id.has_value(), ErrorCode::Format,
              "[tokenizers] WordPiece: unk_token '{}' is not in the vocabulary", unk_);
  return *id;
}

void WordPiece::tokenize(std::string_view text, std::vector<Token>& out) const {
  thread_local std::vector<WordPieceHit> hits;
  hits.clear();
  if (!tokenize_word(text, hits)) {
    out.push_back({unk_id(), unk_, 0, text.size()});
    return;
  }
  for (const WordPieceHit& h : hits) out.push_back({h.id, vocab_.by_id[h.id], h.start, h.end});
}

namespace {
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
