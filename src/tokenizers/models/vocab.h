// String -> id maps with string_view lookups, and the shared vocab parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizers/registry.h"

namespace hfcpp::tokenizers {

// A fast hash of short byte strings (8 bytes per step).
uint64_t hash_bytes(std::string_view s);

// Not noexcept on purpose: libstdc++ then caches each node's hash, instead of rehashing every
// key it walks past in a bucket.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return hash_bytes(s); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};
using VocabMap = std::unordered_map<std::string, uint32_t, StringHash, StringEq>;

// An immutable string -> id table with open addressing, keys packed in one buffer: lookups
// hash once and compare one key, without allocating (a std::unordered_map chases a pointer per node).
class StringIdIndex {
 public:
  void build(const VocabMap& map);
  std::optional<uint32_t> find(std::string_view key) const {
    if (slots_.empty()) return std::nullopt;
    uint64_t h = hash_bytes(key);
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    // Most misses stop at this cache-resident bit filter instead of a slot cache miss.
    if (!((filter_[(tag & filter_mask_) >> 6] >> (tag & 63)) & 1)) return std::nullopt;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.len == kEmpty) return std::nullopt;
      if (s.tag == tag && s.len == key.size() && keys_.compare(s.offset, s.len, key) == 0)
        return s.id;
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFF;
  struct Slot {
    uint32_t tag = 0, id = 0, offset = 0, len = kEmpty;
  };
  std::vector<Slot> slots_;
  std::vector<uint64_t> filter_;  // bit (tag & filter_mask_) set for every key
  std::string keys_;
  size_t mask_ = 0;
  uint32_t filter_mask_ = 0;
};

// A {"token": id} object: the map plus the reverse table (index = id).
struct Vocab {
  VocabMap map;
  std::vector<std::string> by_id;
  std::vector<bool> has_id;
  StringIdIndex index;  // the same pairs as map, for lookups; built by parse_vocab_object

  std::optional<uint32_t> find(std::string_view token) const { return index.find(token); }
  std::optional<std::string> token(uint32_t id) const {
    if (id >= by_id.size() || !has_id[id]) return std::nullopt;
    return by_id[id];
  }
};

Vocab parse_vocab_object(const Json& j, const std::string& path);

}  // namespace hfcpp::tokenizers
