// BPE: chars (with continuing-subword prefix / end-of-word suffix) looked up in the vocab,
// byte_fallback to <0xXX> tokens, unk (optionally fused), then merges applied lowest rank
// first (ties: leftmost), as the reference's Word::merge_all. ignore_merges looks the whole
// word up first. A sharded word cache avoids re-merging frequent words.
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>
#include <mutex>
#include <queue>

#include "hfcpp/core/error.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
struct Symbol {
  uint32_t id;
  int32_t prev;
  int32_t next;
  uint32_t len;
};

struct Piece {
  uint32_t id;
  uint32_t len;
};

// Open addressing per shard, each entry's word bytes and pieces packed next to each other in
// one arena: a hit costs about two cache misses (slot, arena), where a node-based map chases
// bucket, node and pieces vector.
class WordCache {
 public:
  static constexpr size_t kShards = 64;
  static constexpr size_t kCapacityPerShard = 10000 / kShards * 4;
  static constexpr size_t kSlotsPerShard = 1024;  // power of two above kCapacityPerShard
  static constexpr size_t kMaxWordLength = 256;

  // Copies the cached pieces of word into out; false when it is not cached.
  bool get(std::string_view word, std::vector<Piece>& out) const {
    uint64_t h = StringHash{}(word);
    const Shard& s = shards_[h % kShards];
    std::lock_guard lock(s.mutex);
    if (s.slots.empty()) return false;
    for (size_t i = (h / kShards) & (kSlotsPerShard - 1);; i = (i + 1) & (kSlotsPerShard - 1)) {
      const Slot& slot = s.slots[i];
      if (slot.n_pieces == 0) return false;
      if (slot.hash != h || slot.word_len != word.size()) continue;
      const char* data = s.arena.data() + slot.offset;
      if (std::memcmp(data, word.data(), word.size()) != 0) continue;
      out.resize(slot.n_pieces);
      std::memcpy(out.data(), data + word.size(), slot.n_pieces * sizeof(Piece));
      return true;
    }
  }
  void put(std::string_view word, const std::vector<Piece>& pieces) const {
    if (word.size() >= kMaxWordLength || pieces.empty()) return;
    uint64_t h = StringHash{}(word);
    Shard& s = shards_[h % kShards];
    std::lock_guard lock(s.mutex);
    if (s.count >= kCapacityPerShard) return;
    if (s.slots.empty()) s.slots.resize(kSlotsPerShard);
    for (size_t i = (h / kShards) & (kSlotsPerShard - 1);; i = (i + 1) & (kSlotsPerShard - 1)) {
      Slot& slot = s.slots[i];
      if (slot.n_pieces == 0) {
        slot = {h, static_cast<uint32_t>(s.arena.size()), static_cast<uint32_t>(word.size()),
                static_cast<uint32_t>(pieces.size())};
        s.arena.append(word);
        s.arena.append(reinterpret_cast<const char*>(pieces.data()), pieces.size() * sizeof(Piece));
        ++s.count;
        return;
      }
      if (slot.hash == h && slot.word_len == word.size() &&
          std::memcmp(s.arena.data() + slot.offset, word.data(), word.size()) == 0)
        return;  // another thread cached it first
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0, word_len = 0, n_pieces = 0;  // n_pieces 0: empty slot
  };
  struct Shard {
    mutable std::mutex mutex;
    std::vector<Slot> slots;
    std::string arena;
    size_t count = 0;
  };
  mutable std::array<Shard, kShards> shards_;
};

// (left id, right id) -> rank << 32 | merged id, open addressing with linear probing: one
// probe in a flat array where std::unordered_map chases a bucket list per lookup.
class MergeTable {
 public:
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots_.assign(cap, {kEmpty, 0});
    mask_ = cap - 1;
  }
  void insert_or_assign(uint64_t key, uint64_t value) {
    HFCPP_CHECK(key != kEmpty, ErrorCode::Format, "[tokenizers] BPE: merge token ids out of range");
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      if (slots_[i].first == kEmpty) {
        slots_[i] = {key, value};
        return;
      }
      if (slots_[i].first == key) {
        slots_[i].second = value;
        return;
      }
    }
  }
  const uint64_t* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      if (slots_[i].first == key) return &slots_[i].second;
      if (slots_[i].first == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t slot_of(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 29) & mask_; }
  std::vector<std::pair<uint64_t, uint64_t>> slots_;
  size_t mask_ = 0;
};

class Bpe : public Model {
 public:
  Bpe(const Json& j, const std::string& path) {
    vocab_ = parse_vocab_object(field(j, "vocab", path), join_path(path, "vocab"));
    unk_ = str_field_or(j, "unk_token", "", path);
    has_unk_ = j.contains("unk_token") && !j["unk_token"].is_null();
    prefix_ = str_field_or(j, "continuing_subword_prefix", "", path);
    has_prefix_ = j.contains("continuing_subword_prefix") && !j["continuing_subword_prefix"].is_null();
    suffix_ = str_field_or(j, "end_of_word_suffix", "", path);
    has_suffix_ = j.contains("end_of_word_suffix") && !j["end_of_word_suffix"].is_null();
    fuse_unk_ = bool_field_or(j, "fuse_unk", false, path);
    byte_fallback_ = bool_field_or(j, "byte_fallback", false, path);
    ignore_merges_ = bool_field_or(j, "ignore_merges", false, path);
    if (j.contains("dropout") && !j["dropout"].is_null()) {
      HFCPP_CHECK(j["dropout"].is_number(), ErrorCode::Format,
                  "[tokenizers] {}.dropout: expected a number", path);
      double d = j["dropout"].get<double>();
      HFCPP_CHECK(d >= 0.0 && d <= 1.0, ErrorCode::Format,
                  "[tokenizers] {}.dropout: got {}, expected a probability in [0, 1]", path, d);
      dropout_ = static_cast<float>(d);
    }
    parse_merges(array_field(j, "merges", path), join_path(path, "merges"));
    pieces_are_spans_ = prefix_.empty() && suffix_.empty() && !has_unk_ && !byte_fallback_;
    for (int b = 0; b < 256; ++b) {
      auto id = vocab_.find(fmt::format("<0x{:02X}>", b));
      byte_ids_[b] = id ? static_cast<int64_t>(*id) : -1;
    }
  }

  void tokenize(std::string_view text, std::vector<Token>& out) const override {
    if (text.empty()) return;
    if (ignore_merges_) {
      if (auto id = vocab_.find(text)) {
        out.push_back({*id, std::string(text), 0, text.size()});
        return;
      }
    }
    thread_local std::vector<Piece> pieces;
    pieces.clear();
    if (dropout_ > 0.0f) {
      merge_word(text, pieces);  // sampled: never cached, as the reference
    } else if (!cache_.get(text, pieces)) {
      merge_word(text, pieces);
      cache_.put(text, pieces);
    }
    out.reserve(out.size() + pieces.size());
    size_t pos = 0;
    // With empty prefix and suffix, no unk, no byte fallback and no char of the word missing
    // from the vocab (the pieces cover it), every piece is its own span of the word (a char
    // from the vocab or a merge a + b): its text comes from the word rather than from the
    // vocab strings, which would cost a cache miss per token.
    bool spans = pieces_are_spans_;
    if (spans) {
      size_t covered = 0;
      for (const Piece& p : pieces) covered += p.len;
      spans = covered == text.size();
    }
    for (const Piece& p : pieces) {
      if (spans)
        out.push_back({p.id, std::string(text.substr(pos, p.len)), pos, pos + p.len});
      else
        out.push_back({p.id, vocab_.by_id[p.id], pos, pos + p.len});
      pos += p.len;
    }
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.map.size(); }

 private:
  static uint64_t key(uint32_t a, uint32_t b) { return (uint64_t(a) << 32) | b; }

  void parse_merges(const Json& merges, const std::string& path) {
    merges_.reserve(merges.size());
    size_t prefix_len = prefix_.size();
    for (size_t i = 0; i < merges.size(); ++i) {
      const Json& m = merges[i];
      std::string a, b;
      if (m.is_string()) {
        const std::string& s = m.get_ref<const std::string&>();
        size_t sp = s.find(' ');
        HFCPP_CHECK(sp != std::string::npos && s.find(' ', sp + 1) == std::string::npos,
                    ErrorCode::Format, "[tokenizers] {}: merge '{}' is not two tokens separated by a space",
                    index_path(path, i), s);
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        a = m[0].get<std::string>();
        b = m[1].get<std::string>();
      } else {
        HFCPP_THROW(ErrorCode::Format,
                    "[tokenizers] {}: is {}, expected \"a b\" or [\"a\", \"b\"]",
                    index_path(path, i), core::json_type_name(m));
      }
      auto ia = vocab_.find(a), ib = vocab_.find(b);
      HFCPP_CHECK(ia && ib, ErrorCode::Format, "[tokenizers] {}: merge token '{}' is not in the vocab",
                  index_path(path, i), ia ? b : a);
      std::string merged = a;
      if (prefix_len > 0 && b.compare(0, prefix_len, prefix_) == 0)
        merged.append(b, prefix_len);
      else
        merged.append(b);
      auto im = vocab_.find(merged);
      HFCPP_CHECK(im.has_value(), ErrorCode::Format,
                  "[tokenizers] {}: merged token '{}' is not in the vocab", index_path(path, i), merged);
      merges_.insert_or_assign(key(*ia, *ib), (uint64_t(i) << 32) | *im);
    }
  }

  void merge_word(std::string_view w, std::vector<Piece>& out) const {
    thread_local std::vector<Symbol> syms;
    syms.clear();
    auto add = [&](uint32_t id, size_t len) {
      int32_t n = static_cast<int32_t>(syms.size());
      if (!syms.empty()) syms.back().next = n;
      syms.push_back({id, n - 1, -1, static_cast<uint32_t>(len)});
    };
    bool have_unk = false;
    uint32_t unk_id = 0;
    size_t unk_len = 0;
    std::string buf;
    for (size_t i = 0; i < w.size();) {
      size_t n = utf8::char_len(static_cast<unsigned char>(w[i]));
      bool first = i == 0, last = i + n >= w.size();
      std::string_view s = w.substr(i, n);
      if ((!first && has_prefix_) || (last && has_suffix_)) {
        buf.clear();
        if (!first && has_prefix_) buf += prefix_;
        buf += s;
        if (last && has_suffix_) buf += suffix_;
        s = buf;
      }
      i += n;
      if (auto id = vocab_.find(s)) {
        if (have_unk) {
          add(unk_id, unk_len);
          have_unk = false;
        }
        add(*id, n);
        continue;
      }
      if (byte_fallback_) {
        bool all = true;
        for (unsigned char b : s) all &= byte_ids_[b] >= 0;
        if (all) {
          for (unsigned char b : s) add(static_cast<uint32_t>(byte_ids_[b]), 1);
          continue;
        }
      }
      if (has_unk_) {
        auto uid = vocab_.find(unk_);
        HFCPP_CHECK(uid.has_value(), ErrorCode::InvalidArgument,
                    "[tokenizers] BPE: unk_token '{}' is not in the vocabulary", unk_);
        if (have_unk && fuse_unk_) {
          unk_len += n;
        } else {
          if (have_unk) add(unk_id, unk_len);
          have_unk = true;
          unk_id = *uid;
          unk_len = n;
        }
      }
    }
    if (have_unk) add(unk_id, unk_len);
    merge_all(syms);
    out.clear();
    for (const Symbol& s : syms)
      if (s.len != 0) out.push_back({s.id, s.len});
  }

  void merge_all(std::vector<Symbol>& syms) const {
    struct Cand {
      uint32_t rank;
      uint32_t pos;
      uint32_t new_id;
      bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    thread_local std::vector<Cand> heap_storage;
    heap_storage.clear();
    std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> queue(
        std::greater<Cand>(), std::move(heap_storage));
    auto lookup = [&](uint32_t a, uint32_t b, uint32_t& rank, uint32_t& id) {
      const uint64_t* v = merges_.find(key(a, b));
      if (v == nullptr) return false;
      rank = static_cast<uint32_t>(*v >> 32);
      id = static_cast<uint32_t>(*v);
      return true;
    };
    uint32_t rank, id;
    for (size_t i = 0; i + 1 < syms.size(); ++i)
      if (lookup(syms[i].id, syms[i + 1].id, rank, id)) queue.push({rank, static_cast<uint32_t>(i), id});
    // Dropout (the reference's merge_all): a popped merge is skipped with probability p and
    // put back once a merge is applied; skips left at the end are dropped.
    thread_local std::vector<Cand> skipped;
    skipped.clear();
    while (!queue.empty()) {
      Cand top = queue.top();
      queue.pop();
      if (dropout_ > 0.0f) {
        if (dropout_rng().uniform() < dropout_) {
          skipped.push_back(top);
          continue;
        }
        for (const Cand& c : skipped) queue.push(c);
        skipped.clear();
      }
      Symbol& cur = syms[top.pos];
      if (cur.len == 0 || cur.next == -1) continue;
      size_t next_pos = static_cast<size_t>(cur.next);
      Symbol right = syms[next_pos];
      if (!lookup(cur.id, right.id, rank, id) || id != top.new_id) continue;
      cur.id = top.new_id;
      cur.len += right.len;
      cur.next = right.next;
      syms[next_pos].len = 0;
      if (right.next > -1 && static_cast<size_t>(right.next) < syms.size())
        syms[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
      if (cur.prev >= 0 && lookup(syms[static_cast<size_t>(cur.prev)].id, cur.id, rank, id))
        queue.push({rank, static_cast<uint32_t>(cur.prev), id});
      if (cur.next >= 0 && static_cast<size_t>(cur.next) < syms.size() &&
          lookup(cur.id, syms[static_cast<size_t>(cur.next)].id, rank, id))
        queue.push({rank, top.pos, id});
    }
  }

  // Per-thread generator; HFCPP_SEED makes sampling reproducible (seeded by seed + thread).
  struct DropoutRng {
    std::mt19937 gen;
    DropoutRng() {
      static std::atomic<uint32_t> threads{0};
      const char* env = std::getenv("HFCPP_SEED");
      uint32_t seed = env ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10)) : std::random_device{}();
      gen.seed(seed + threads.fetch_add(1));
    }
    float uniform() { return std::uniform_real_distribution<float>(0.0f, 1.0f)(gen); }
  };
  static DropoutRng& dropout_rng() {
    thread_local DropoutRng rng;
    return rng;
  }

  float dropout_ = 0.0f;
  Vocab vocab_;
  MergeTable merges_;
  std::string unk_, prefix_, suffix_;
  bool has_unk_ = false, has_prefix_ = false, has_suffix_ = false;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  bool pieces_are_spans_ = false;
  std::array<int64_t, 256> byte_ids_{};
  WordCache cache_;
};
}  // namespace

ModelPtr make_bpe(const Json& j, const std::string& path) { return std::make_unique<Bpe>(j, path); }

}  // namespace hfcpp::tokenizers
