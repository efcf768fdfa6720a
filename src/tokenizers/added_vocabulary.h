// Added tokens: matched in the raw text (normalized: false) or in the normalized text
// (normalized: true) before the pre-tokenizer runs, with single_word / lstrip / rstrip rules,
// leftmost-longest, as the reference's AddedVocabulary.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tokenizers/components.h"

namespace hfcpp::tokenizers {

struct AddedToken {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

class AddedVocabulary {
 public:
  // Adds tokens as the reference's add_tokens (ids from the model vocab when present).
  void add_tokens(const std::vector<AddedToken>& tokens, const Model& model,
                  const Normalizer* normalizer);

  std::optional<uint32_t> token_to_id(std::string_view token) const;
  // The content (or its normalized form) of an added token id.
  const std::string* id_to_token(uint32_t id) const;
  bool is_special_token(std::string_view token) const { return special_set_.count(std::string(token)) > 0; }
  size_t size() const { return by_content_.size(); }
  const std::unordered_map<uint32_t, AddedToken>& tokens_by_id() const { return by_id_; }

  // A piece of the input: an added token (id set) or the text between them.
  struct Piece {
    std::optional<uint32_t> id;
    size_t start, end;
  };
  // The non-empty pieces of `text` split on the tokens matched in the raw text (the first step
  // of extract_and_normalize), for encode paths that skip NormalizedString.
  std::vector<Piece> split_raw(std::string_view text) const;
  // Whether some tokens are matched in the normalized text (normalized: true).
  bool matches_normalized() const { return !normalized_.empty(); }

  // Splits `text` into added-token splits and normalized others (extract_and_normalize).
  PreTokenizedString extract_and_normalize(const Normalizer* normalizer, std::string_view text) const;

 private:
  // A byte trie for leftmost-longest matching.
  struct Matcher {
    std::unordered_map<uint64_t, uint32_t> edges;  // node << 8 | byte -> child
    std::vector<int64_t> value;                    // node -> token id or -1
    bool first_byte[256] = {};
    void clear();
    void add(std::string_view pattern, uint32_t id);
    bool empty() const { return value.size() <= 1; }
    // Longest pattern starting at pos: sets id and end; false when none.
    bool longest_at(std::string_view text, size_t pos, uint32_t& id, size_t& end) const;
  };
  struct Found {
    std::optional<uint32_t> id;
    size_t start, end;
  };
  void rebuild();
  std::vector<Found> find_matches(std::string_view text, const Matcher& m) const;
  void split_with(NormalizedString&& s, const Matcher& m, std::vector<Split>& out) const;

  std::unordered_map<std::string, uint32_t> by_content_;
  std::unordered_map<uint32_t, AddedToken> by_id_;
  std::unordered_map<uint32_t, std::string> normalized_cache_;
  std::unordered_set<std::string> special_set_;
  Matcher raw_, normalized_;
};

}  // namespace hfcpp::tokenizers
