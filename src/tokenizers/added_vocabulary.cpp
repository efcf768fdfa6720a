#include "tokenizers/added_vocabulary.h"

#include <algorithm>

#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

void AddedVocabulary::Matcher::clear() {
  edges.clear();
  value.assign(1, -1);
  std::fill(std::begin(first_byte), std::end(first_byte), false);
}

void AddedVocabulary::Matcher::add(std::string_view pattern, uint32_t id) {
  if (value.empty()) value.assign(1, -1);
  uint32_t node = 0;
  first_byte[static_cast<unsigned char>(pattern[0])] = true;
  for (unsigned char b : pattern) {
    uint64_t key = (uint64_t(node) << 8) | b;
    auto it = edges.find(key);
    if (it == edges.end()) {
      uint32_t child = static_cast<uint32_t>(value.size());
      value.push_back(-1);
      edges.emplace(key, child);
      node = child;
    } else {
      node = it->second;
    }
  }
  value[node] = id;
}

bool AddedVocabulary::Matcher::longest_at(std::string_view text, size_t pos, uint32_t& id,
                                          size_t& end) const {
  if (!first_byte[static_cast<unsigned char>(text[pos])]) return false;
  uint32_t node = 0;
  bool found = false;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = edges.find((uint64_t(node) << 8) | static_cast<unsigned char>(text[i]));
    if (it == edges.end()) break;
    node = it->second;
    if (value[node] >= 0) {
      id = static_cast<uint32_t>(value[node]);
      end = i + 1;
      found = true;
    }
  }
  return found;
}

void AddedVocabulary::add_tokens(const std::vector<AddedToken>& tokens, const Model& model,
                                 const Normalizer* normalizer) {
  uint32_t vocab_size = static_cast<uint32_t>(model.vocab_size());
  uint32_t next_id = vocab_size;
  if (!by_id_.empty()) {
    uint32_t max = 0;
    for (const auto& [id, t] : by_id_) max = std::max(max, id);
    next_id = (max >= vocab_size || vocab_size == 0) ? max + 1 : vocab_size;
  }
  for (const AddedToken& t : tokens) {
    if (t.content.empty()) continue;
    auto existing = by_content_.find(t.content);
    if (existing != by_content_.end()) {
      const AddedToken& old = by_id_[existing->second];
      if (old.content == t.content && old.single_word == t.single_word && old.lstrip == t.lstrip &&
          old.rstrip == t.rstrip && old.normalized == t.normalized && old.special == t.special)
        continue;
    }
    uint32_t id;
    if (auto found = token_to_id(t.content)) {
      id = *found;
    } else if (auto in_model = model.token_to_id(t.content)) {
      id = *in_model;
    } else {
      id = next_id++;
    }
    if (t.normalized && normalizer) {
      NormalizedString s(t.content);
      normalizer->normalize(s);
      if (s.get() != t.content) normalized_cache_[id] = s.get();
    }
    by_content_[t.content] = id;
    if (t.special) special_set_.insert(t.content);
    by_id_[id] = t;
  }
  rebuild();
}

void AddedVocabulary::rebuild() {
  raw_.clear();
  normalized_.clear();
  // Insert in id order so that equal patterns resolve the same way on every run.
  std::vector<uint32_t> ids;
  for (const auto& [id, t] : by_id_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (uint32_t id : ids) {
    const AddedToken& t = by_id_.at(id);
    if (t.normalized) {
      auto it = normalized_cache_.find(id);
      const std::string& pattern = it != normalized_cache_.end() ? it->second : t.content;
      if (!pattern.empty()) normalized_.add(pattern, id);
    } else {
      raw_.add(t.content, id);
    }
  }
}

std::optional<uint32_t> AddedVocabulary::token_to_id(std::string_view token) const {
  auto it = by_content_.find(std::string(token));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const std::string* AddedVocabulary::id_to_token(uint32_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  auto n = normalized_cache_.find(id);
  return n != normalized_cache_.end() ? &n->second : &it->second.content;
}

namespace {
bool ends_with_word(std::string_view s) {
  if (s.empty()) return false;
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  size_t k = i;
  return utf8::is_word_char(utf8::next(s, k));
}
bool starts_with_word(std::string_view s) {
  if (s.empty()) return false;
  size_t k = 0;
  return utf8::is_word_char(utf8::next(s, k));
}
// Start of the whitespace run that ends s.
size_t trailing_space_start(std::string_view s) {
  size_t start = s.size();
  while (start > 0) {
    size_t i = start - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    size_t k = i;
    if (!utf8::is_whitespace(utf8::next(s, k))) break;
    start = i;
  }
  return start;
}
size_t leading_space_len(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t k = i;
    if (!utf8::is_whitespace(utf8::next(s, k))) break;
    i = k;
  }
  return i;
}
}  // namespace

std::vector<AddedVocabulary::Found> AddedVocabulary::find_matches(std::string_view text,
                                                                  const Matcher& m) const {
  if (text.empty()) return {{std::nullopt, 0, 0}};
  if (m.empty()) return {{std::nullopt, 0, text.size()}};
  std::vector<Found> out;
  size_t start_offset = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t id;
    size_t end;
    if (!m.longest_at(text, pos, id, end)) {
      ++pos;
      continue;
    }
    size_t start = pos;
    size_t stop = end;
    pos = end;  // the next search starts after this match, even if it is skipped
    const AddedToken& t = by_id_.at(id);
    if (t.single_word) {
      bool start_space = start == 0 || !ends_with_word(text.substr(0, start));
      bool stop_space = stop == text.size() || !starts_with_word(text.substr(stop));
      if (!start_space || !stop_space) continue;
    }
    if (t.lstrip) start = std::max(trailing_space_start(text.substr(0, start)), start_offset);
    if (t.rstrip) stop += leading_space_len(text.substr(stop));
    if (start_offset < start) out.push_back({std::nullopt, start_offset, start});
    out.push_back({id, start, stop});
    start_offset = stop;
    pos = std::max(pos, stop);
  }
  if (start_offset != text.size()) out.push_back({std::nullopt, start_offset, text.size()});
  return out;
}

void AddedVocabulary::split_with(NormalizedString&& s, const Matcher& m, std::vector<Split>& out) const {
  if (m.empty()) {
    if (!s.empty()) out.push_back({std::move(s), std::nullopt});
    return;
  }
  for (const Found& f : find_matches(s.get(), m)) {
    auto piece = s.slice(f.start, f.end);
    if (!piece || piece->empty()) continue;
    if (f.id) {
      std::string value = piece->get();
      size_t len = value.size();
      std::vector<Token> toks{{*f.id, std::move(value), 0, len}};
      out.push_back({std::move(*piece), std::move(toks)});
    } else {
      out.push_back({std::move(*piece), std::nullopt});
    }
  }
}

std::vector<AddedVocabulary::Piece> AddedVocabulary::split_raw(std::string_view text) const {
  if (raw_.empty()) {
    if (text.empty()) return {};
    return {{std::nullopt, 0, text.size()}};
  }
  std::vector<Piece> out;
  for (const Found& f : find_matches(text, raw_))
    if (f.end > f.start) out.push_back({f.id, f.start, f.end});
  return out;
}

PreTokenizedString AddedVocabulary::extract_and_normalize(const Normalizer* normalizer,
                                                          std::string_view text) const {
  PreTokenizedString pts(text);
  std::vector<Split> first;
  for (Split& sp : pts.splits()) split_with(std::move(sp.normalized), raw_, first);
  std::vector<Split> second;
  for (Split& sp : first) {
    if (sp.tokens) {
      second.push_back(std::move(sp));
      continue;
    }
    if (normalizer) normalizer->normalize(sp.normalized);
    split_with(std::move(sp.normalized), normalized_, second);
  }
  pts.splits() = std::move(second);
  return pts;
}

}  // namespace hfcpp::tokenizers
