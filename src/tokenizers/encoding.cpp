// Encoding operations, following the reference's encoding.rs (merge with its overflowing
// cross product, truncation into overflowing windows with stride, padding).
#include "hfcpp/tokenizers/encoding.h"

#include <algorithm>

#include "hfcpp/core/error.h"

namespace hfcpp::tokenizers {

std::vector<int64_t> Encoding::sequence_ids() const {
  std::vector<int64_t> out(size(), -1);
  if (sequence_ranges.empty()) {
    std::fill(out.begin(), out.end(), 0);
    return out;
  }
  for (const auto& [seq, range] : sequence_ranges)
    for (size_t i = range.first; i < range.second && i < out.size(); ++i)
      out[i] = static_cast<int64_t>(seq);
  return out;
}

void Encoding::merge_with(const Encoding& pair, bool growing_offsets) {
  std::vector<Encoding> overflowings;
  for (const Encoding& self_o : overflowing) {
    Encoding n = self_o;
    n.merge_with(pair, growing_offsets);
    overflowings.push_back(std::move(n));
    for (const Encoding& other_o : pair.overflowing) {
      Encoding m = self_o;
      m.merge_with(other_o, growing_offsets);
      overflowings.push_back(std::move(m));
    }
  }
  for (const Encoding& other_o : pair.overflowing) {
    Encoding n = *this;
    n.merge_with(other_o, growing_offsets);
    overflowings.push_back(std::move(n));
  }
  size_t base = size();
  for (const auto& [seq, range] : pair.sequence_ranges)
    sequence_ranges[seq] = {base + range.first, base + range.second};
  ids.insert(ids.end(), pair.ids.begin(), pair.ids.end());
  type_ids.insert(type_ids.end(), pair.type_ids.begin(), pair.type_ids.end());
  tokens.insert(tokens.end(), pair.tokens.begin(), pair.tokens.end());
  word_ids.insert(word_ids.end(), pair.word_ids.begin(), pair.word_ids.end());
  size_t start = growing_offsets && !offsets.empty() ? offsets.back().end : 0;
  for (const Offsets& o : pair.offsets) offsets.push_back({o.start + start, o.end + start});
  special_tokens_mask.insert(special_tokens_mask.end(), pair.special_tokens_mask.begin(),
                             pair.special_tokens_mask.end());
  attention_mask.insert(attention_mask.end(), pair.attention_mask.begin(), pair.attention_mask.end());
  overflowing = std::move(overflowings);
}

namespace {
Encoding sub_encoding(const Encoding& e, size_t start, size_t stop) {
  Encoding out;
  auto cut = [&](const auto& v, auto& dst) { dst.assign(v.begin() + start, v.begin() + stop); };
  cut(e.ids, out.ids);
  cut(e.type_ids, out.type_ids);
  cut(e.tokens, out.tokens);
  cut(e.word_ids, out.word_ids);
  cut(e.offsets, out.offsets);
  cut(e.special_tokens_mask, out.special_tokens_mask);
  cut(e.attention_mask, out.attention_mask);
  return out;
}
}  // namespace

void Encoding::truncate(size_t max_len, size_t stride, bool from_left) {
  size_t len = size();
  if (max_len >= len) return;
  if (max_len == 0) {
    Encoding whole = std::move(*this);
    *this = Encoding();
    overflowing.push_back(std::move(whole));
    return;
  }
  HFCPP_CHECK(stride < max_len, ErrorCode::InvalidArgument,
              "[tokenizers] truncation: stride {} must be less than max_length {} (after special tokens)",
              stride, max_len);
  sequence_ranges.clear();
  size_t step = max_len - stride;
  std::vector<std::pair<size_t, size_t>> parts;
  if (!from_left) {
    for (size_t start = 0; start < len; start += step) {
      size_t stop = std::min(start + max_len, len);
      parts.emplace_back(start, stop);
      if (stop == len) break;
    }
  } else {
    // (0..len).rev().step_by(step): stop positions len-1, len-1-step, ...
    for (size_t k = len; k > 0;) {
      size_t stop = k;  // == (index + 1)
      size_t start = stop > max_len ? stop - max_len : 0;
      parts.emplace_back(start, stop);
      if (start == 0) break;
      if (k <= step) break;
      k -= step;
    }
  }
  Encoding head = sub_encoding(*this, parts[0].first, parts[0].second);
  for (size_t i = 1; i < parts.size(); ++i)
    head.overflowing.push_back(sub_encoding(*this, parts[i].first, parts[i].second));
  *this = std::move(head);
}

void Encoding::pad(size_t target, uint32_t pad_id, uint32_t pad_type_id, const std::string& pad_token,
                   bool left) {
  for (Encoding& o : overflowing) o.pad(target, pad_id, pad_type_id, pad_token, left);
  if (size() >= target) return;
  size_t n = target - size();
  if (left) {
    ids.insert(ids.begin(), n, pad_id);
    type_ids.insert(type_ids.begin(), n, pad_type_id);
    tokens.insert(tokens.begin(), n, pad_token);
    word_ids.insert(word_ids.begin(), n, -1);
    attention_mask.insert(attention_mask.begin(), n, 0);
    special_tokens_mask.insert(special_tokens_mask.begin(), n, 1);
    offsets.insert(offsets.begin(), n, Offsets{0, 0});
    for (auto& [seq, range] : sequence_ranges) range = {range.first + n, range.second + n};
  } else {
    ids.insert(ids.end(), n, pad_id);
    type_ids.insert(type_ids.end(), n, pad_type_id);
    tokens.insert(tokens.end(), n, pad_token);
    word_ids.insert(word_ids.end(), n, -1);
    attention_mask.insert(attention_mask.end(), n, 0);
    special_tokens_mask.insert(special_tokens_mask.end(), n, 1);
    offsets.insert(offsets.end(), n, Offsets{0, 0});
  }
}

}  // namespace hfcpp::tokenizers
