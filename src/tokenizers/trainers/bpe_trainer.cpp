// The reference's BpeTrainer::do_train, step for step: special tokens, the alphabet (limited
// by frequency, then sorted by code point), words split into characters (with the
// continuing-subword prefix / end-of-word suffix), pair counts, then a max-heap of pairs by
// (count desc, pair asc) with lazy count refresh. Each heap entry carries the words it was
// counted in, and a merge only touches those words, exactly as the reference does: when a
// pair reappears elsewhere it gets a second entry, so the same pair can be merged twice and
// keeps the rank of its last merge (the reference's merges map keeps the last insertion).
//
// Where the reference iterates hash maps (words, alphabet ties under limit_alphabet) its
// output depends on the process's random hash seed; here the order is fixed (words sorted by
// bytes, alphabet ties by code point), which is one of the reference's possible outcomes.
#include <algorithm>
#include <limits>
#include <queue>
#include <unordered_map>

#include "hfcpp/core/error.h"
#include "tokenizers/trainers/trainers_internal.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
using Pair = std::pair<uint32_t, uint32_t>;
uint64_t pair_key(Pair p) { return (uint64_t(p.first) << 32) | p.second; }
Pair pair_of(uint64_t k) { return {uint32_t(k >> 32), uint32_t(k)}; }

struct Symbol {
  uint32_t c;
  size_t len;  // in characters (the reference adds each character with length 1)
};

struct Change {
  uint64_t pair;
  int32_t delta;
};

// Word::merge of the reference: every non-overlapping occurrence, left to right.
void merge_word(std::vector<Symbol>& syms, uint32_t c1, uint32_t c2, uint32_t replacement,
                size_t max_length, std::vector<Change>& changes) {
  for (size_t i = 0; i < syms.size(); ++i) {
    if (syms[i].c != c1 || i + 1 >= syms.size() || syms[i + 1].c != c2) continue;
    Symbol first = syms[i], second = syms[i + 1];
    Symbol merged{replacement, first.len + second.len};
    if (i > 0) {
      changes.push_back({pair_key({syms[i - 1].c, first.c}), -1});
      if (syms[i - 1].len + merged.len < max_length)
        changes.push_back({pair_key({syms[i - 1].c, replacement}), 1});
    }
    syms[i] = merged;
    syms.erase(syms.begin() + static_cast<ptrdiff_t>(i) + 1);
    if (i + 1 < syms.size()) {
      changes.push_back({pair_key({second.c, syms[i + 1].c}), -1});
      if (syms[i + 1].len + merged.len < max_length)
        changes.push_back({pair_key({replacement, syms[i + 1].c}), 1});
    }
  }
}

struct Entry {
  uint64_t pair;
  uint64_t count;
  std::vector<uint32_t> pos;  // word indices, unique
};
struct EntryLess {
  // Max-heap on count; among equal counts the smaller pair comes first.
  bool operator()(const Entry& a, const Entry& b) const {
    if (a.count != b.count) return a.count < b.count;
    return pair_of(a.pair) > pair_of(b.pair);
  }
};

class Vocabulary {
 public:
  uint32_t add(const std::string& s) {
    auto [it, inserted] = ids_.emplace(s, static_cast<uint32_t>(words_.size()));
    if (inserted) words_.push_back(s);
    return it->second;
  }
  bool contains(const std::string& s) const { return ids_.count(s) > 0; }
  size_t size() const { return ids_.size(); }
  const std::string& word(uint32_t id) const { return words_[id]; }
  std::vector<std::string> take() { return std::move(words_); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> words_;
};

void add_alphabet(const WordCounts& counts, const TrainerOptions& o, Vocabulary& vocab) {
  std::unordered_map<char32_t, uint64_t> alphabet;
  for (const auto& [word, count] : counts)
    for (size_t i = 0; i < word.size();) {
      char32_t c = utf8::next(word, i);
      alphabet[c] += count;
    }
  for (size_t i = 0; i < o.initial_alphabet.size();) {
    char32_t c = utf8::next(o.initial_alphabet, i);
    alphabet[c] = std::numeric_limits<uint64_t>::max();
  }
  std::vector<std::pair<char32_t, uint64_t>> kept(alphabet.begin(), alphabet.end());
  size_t to_remove = o.limit_alphabet && alphabet.size() > *o.limit_alphabet
                         ? alphabet.size() - *o.limit_alphabet
                         : 0;
  if (to_remove > 0) {
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    kept.erase(kept.begin(), kept.begin() + static_cast<ptrdiff_t>(to_remove));
  }
  std::sort(kept.begin(), kept.end());
  for (const auto& [c, n] : kept) vocab.add(utf8::encode(c));
}
}  // namespace

BpeTrainResult train_bpe(const WordCounts& counts, const TrainerOptions& o) {
  const size_t max_length = o.max_token_length.value_or(std::numeric_limits<size_t>::max());
  Vocabulary vocab;
  for (const std::string& t : o.special_tokens) vocab.add(t);
  add_alphabet(counts, o, vocab);

  // Words as symbol sequences; characters outside the alphabet are dropped.
  std::vector<std::vector<Symbol>> words;
  std::vector<uint64_t> word_counts;
  words.reserve(counts.size());
  for (const auto& [word, count] : counts) {
    std::vector<Symbol> syms;
    for (size_t i = 0; i < word.size();) {
      bool first = i == 0;
      size_t start = i;
      utf8::next(word, i);
      bool last = i >= word.size();
      std::string s = word.substr(start, i - start);
      if (!vocab.contains(s)) continue;
      if (!first && o.continuing_subword_prefix) s.insert(0, *o.continuing_subword_prefix);
      if (last && o.end_of_word_suffix) s += *o.end_of_word_suffix;
      syms.push_back({vocab.add(s), 1});
    }
    words.push_back(std::move(syms));
    word_counts.push_back(count);
  }

  std::unordered_map<uint64_t, int64_t> pair_counts;
  std::unordered_map<uint64_t, std::vector<uint32_t>> where_to_update;
  for (uint32_t w = 0; w < words.size(); ++w) {
    const auto& syms = words[w];
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      uint64_t k = pair_key({syms[i].c, syms[i + 1].c});
      pair_counts[k] += static_cast<int64_t>(word_counts[w]);
      auto& pos = where_to_update[k];
      if (pos.empty() || pos.back() != w) pos.push_back(w);
    }
  }
  std::priority_queue<Entry, std::vector<Entry>, EntryLess> queue;
  auto flush_updates = [&]() {
    for (auto& [k, pos] : where_to_update) {
      int64_t c = pair_counts[k];
      if (c <= 0) continue;
      std::sort(pos.begin(), pos.end());
      pos.erase(std::unique(pos.begin(), pos.end()), pos.end());
      queue.push({k, static_cast<uint64_t>(c), std::move(pos)});
    }
    where_to_update.clear();
  };
  flush_updates();

  std::vector<std::pair<uint64_t, uint32_t>> merges;  // (pair, new id) in merge order
  std::vector<Change> changes;
  while (vocab.size() < o.vocab_size && !queue.empty()) {
    Entry top = queue.top();
    queue.pop();
    uint64_t current = static_cast<uint64_t>(std::max<int64_t>(0, pair_counts[top.pair]));
    if (top.count != current) {
      top.count = current;
      queue.push(std::move(top));
      continue;
    }
    if (top.count < 1 || o.min_frequency > top.count) break;
    Pair p = pair_of(top.pair);
    std::string a = vocab.word(p.first);
    std::string b = vocab.word(p.second);
    if (o.continuing_subword_prefix && b.compare(0, o.continuing_subword_prefix->size(),
                                                 *o.continuing_subword_prefix) == 0)
      b.erase(0, o.continuing_subword_prefix->size());
    uint32_t new_id = vocab.add(a + b);
    merges.push_back({top.pair, new_id});
    for (uint32_t w : top.pos) {
      changes.clear();
      merge_word(words[w], p.first, p.second, new_id, max_length, changes);
      for (const Change& ch : changes) {
        pair_counts[ch.pair] += ch.delta * static_cast<int64_t>(word_counts[w]);
        if (ch.delta > 0) where_to_update[ch.pair].push_back(w);
      }
    }
    flush_updates();
  }

  BpeTrainResult out;
  // A pair merged twice keeps its last rank (the reference collects merges into a map).
  std::unordered_map<uint64_t, size_t> last_rank;
  for (size_t i = 0; i < merges.size(); ++i) last_rank[merges[i].first] = i;
  for (size_t i = 0; i < merges.size(); ++i)
    if (last_rank[merges[i].first] == i) out.merges.push_back(pair_of(merges[i].first));
  out.id_to_word = vocab.take();
  return out;
}

}  // namespace hfcpp::tokenizers
