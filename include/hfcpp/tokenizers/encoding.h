// The result of encoding one text (or pair): ids, tokens, offsets in characters (Unicode code
// points into the input, as the Python library reports them), masks, word and sequence ids.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hfcpp::tokenizers {

struct Offsets {
  size_t start = 0;
  size_t end = 0;
  bool operator==(const Offsets&) const = default;
};

struct Encoding {
  std::vector<uint32_t> ids;
  std::vector<uint32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<Offsets> offsets;
  std::vector<int64_t> word_ids;  // -1 where the reference has None
  std::vector<uint32_t> special_tokens_mask;
  std::vector<uint32_t> attention_mask;
  std::vector<Encoding> overflowing;
  // sequence id -> [start, end) token range (the reference's sequence_ranges).
  std::map<size_t, std::pair<size_t, size_t>> sequence_ranges;

  size_t size() const { return ids.size(); }
  bool empty() const { return ids.empty(); }
  // Per token: 0 or 1, -1 for tokens outside every sequence (added special tokens).
  std::vector<int64_t> sequence_ids() const;

  void set_sequence_id(size_t id) { sequence_ranges[id] = {0, size()}; }
  void set_type_ids(uint32_t type_id) { type_ids.assign(size(), type_id); }
  void merge_with(const Encoding& other, bool growing_offsets);
  void truncate(size_t max_len, size_t stride, bool from_left);
  void pad(size_t target, uint32_t pad_id, uint32_t pad_type_id, const std::string& pad_token,
           bool left);
};

}  // namespace hfcpp::tokenizers
