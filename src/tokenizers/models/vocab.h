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

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};
using VocabMap = std::unordered_map<std::string, uint32_t, StringHash, StringEq>;

// A {"token": id} object: the map plus the reverse table (index = id).
struct Vocab {
  VocabMap map;
  std::vector<std::string> by_id;
  std::vector<bool> has_id;

  std::optional<uint32_t> find(std::string_view token) const {
    auto it = map.find(token);
    if (it == map.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> token(uint32_t id) const {
    if (id >= by_id.size() || !has_id[id]) return std::nullopt;
    return by_id[id];
  }
};

Vocab parse_vocab_object(const Json& j, const std::string& path);

}  // namespace hfcpp::tokenizers
