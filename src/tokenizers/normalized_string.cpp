#include "tokenizers/normalized_string.h"

#include <algorithm>
#include <cstring>

#include "hfcpp/core/error.h"

namespace hfcpp::tokenizers {

NormalizedString::NormalizedString(std::string_view original)
    : normalized_(original), original_len_(original.size()) {
  alignments_.resize(original.size());
  for (size_t i = 0; i < original.size();) {
    size_t n = utf8::char_len(static_cast<unsigned char>(original[i]));
    for (size_t k = 0; k < n && i + k < original.size(); ++k)
      alignments_[i + k] = {static_cast<uint32_t>(i), static_cast<uint32_t>(i + n)};
    i += n;
  }
}

std::optional<ByteRange> NormalizedString::normalized_to_original(size_t start,
                                                                  size_t end) const {
  if (start == end) return ByteRange{start, end};
  if (start > end) return std::nullopt;
  if (end > alignments_.size()) return std::nullopt;
  return ByteRange{alignments_[start].start, alignments_[end - 1].end};
}

std::optional<ByteRange> NormalizedString::original_to_normalized(size_t start,
                                                                  size_t end) const {
  if (start == end) return ByteRange{start, end};
  if (start > end) return std::nullopt;
  if (original_len_ == 0 && start == 0 && end == 0) return ByteRange{0, len()};
  std::optional<size_t> s, e;
  for (size_t i = 0; i < alignments_.size(); ++i) {
    const Alignment& a = alignments_[i];
    if (end < a.end) break;
    if (!s && start <= a.start && a.start != a.end) s = i;
    e = i + 1;
  }
  if (s && e) return ByteRange{*s, *e};
  if (s) return ByteRange{*s, *s};
  if (e) return ByteRange{*e, *e};
  return std::nullopt;
}

std::optional<NormalizedString> NormalizedString::slice(size_t start, size_t end) const {
  auto boundary = [&](size_t b) {
    return b == normalized_.size() ||
           (b < normalized_.size() && (static_cast<unsigned char>(normalized_[b]) & 0xC0) != 0x80);
  };
  if (start > end || !boundary(start) || !boundary(end)) return std::nullopt;
  auto orig = normalized_to_original(start, end);
  if (!orig) return std::nullopt;
  NormalizedString out;
  size_t shift = orig->first;
  out.original_len_ =
      (orig->second >= orig->first && orig->second <= original_len_) ? orig->second - orig->first : 0;
  out.original_shift_ = original_shift_ + orig->first;
  out.normalized_.assign(normalized_, start, end - start);
  out.alignments_.resize(end - start);
  for (size_t i = start; i < end; ++i) {
    const Alignment& a = alignments_[i];
    out.alignments_[i - start] = {static_cast<uint32_t>(a.start >= shift ? a.start - shift : 0),
                                  static_cast<uint32_t>(a.end >= shift ? a.end - shift : 0)};
  }
  return out;
}

void NormalizedString::transform_range(size_t n_start, size_t n_end,
                                       const std::vector<CharChange>& dest,
                                       size_t initial_offset) {
  // Old chars of the range, consumed as the changes replace or remove them.
  std::string_view old(normalized_.data() + n_start, n_end - n_start);
  size_t old_pos = 0;
  auto take_old = [&](size_t count) {
    size_t bytes = 0;
    for (size_t k = 0; k < count && old_pos < old.size(); ++k) {
      size_t n = utf8::char_len(static_cast<unsigned char>(old[old_pos]));
      old_pos += n;
      bytes += n;
    }
    return bytes;
  };
  size_t offset = n_start + take_old(initial_offset);
  std::string text;
  text.reserve(dest.size());
  std::vector<Alignment> aligns;
  aligns.reserve(n_end - n_start);
  const size_t n_align = alignments_.size();
  for (const CharChange& ch : dest) {
    Alignment align;
    if (ch.change > 0) {
      align = offset < 1 ? Alignment{0, 0} : alignments_[std::min(offset, n_align) - 1];
    } else {
      HFCPP_CHECK(offset < n_align, ErrorCode::Internal,
                  "[tokenizers] normalizer edit past the end of the text: offset {} of {}", offset,
                  n_align);
      align = alignments_[offset];
    }
    size_t replaced = ch.change <= 0 ? take_old(1) : 0;
    size_t removed = ch.change < 0 ? take_old(static_cast<size_t>(-ch.change)) : 0;
    offset += replaced + removed;
    size_t before = text.size();
    utf8::append(text, ch.c);
    aligns.insert(aligns.end(), text.size() - before, align);
  }
  alignments_.erase(alignments_.begin() + static_cast<ptrdiff_t>(n_start),
                    alignments_.begin() + static_cast<ptrdiff_t>(n_end));
  alignments_.insert(alignments_.begin() + static_cast<ptrdiff_t>(n_start), aligns.begin(),
                     aligns.end());
  normalized_.replace(n_start, n_end - n_start, text);
}

void NormalizedString::transform(const std::vector<CharChange>& dest, size_t initial_offset) {
  auto range = original_to_normalized(0, original_len_);
  if (!range) return;
  transform_range(range->first, range->second, dest, initial_offset);
}

bool NormalizedString::map_ascii(const char (&map)[128]) {
  for (char c : normalized_)
    if (static_cast<unsigned char>(c) >= 0x80 || map[static_cast<unsigned char>(c)] == 0) return false;
  auto range = original_to_normalized(0, original_len_);
  if (!range || range->first != 0 || range->second != normalized_.size()) return false;
  for (char& c : normalized_) c = map[static_cast<unsigned char>(c)];
  return true;
}

bool NormalizedString::map_each_byte(const std::array<std::string, 256>& to_utf8) {
  const size_t size = normalized_.size();
  // original_to_normalized(0, original_len_) == [0, size), without its optional bookkeeping:
  // the first alignment is non-empty and no alignment ends past the original length.
  bool whole = size > 0 && alignments_.size() == size && alignments_[0].start != alignments_[0].end;
  for (size_t i = 0; whole && i < size; ++i) whole = alignments_[i].end <= original_len_;
  if (!whole) {
    auto range = original_to_normalized(0, original_len_);
    if (!range || range->first != 0 || range->second != size) return false;
  }
  std::string text(size * 4, '\0');
  std::vector<Alignment> aligns(size * 4);
  size_t o = 0;
  for (size_t i = 0; i < size;) {
    size_t n = std::min(utf8::char_len(static_cast<unsigned char>(normalized_[i])), size - i);
    for (size_t k = 0; k < n; ++k) {
      const std::string& out = to_utf8[static_cast<unsigned char>(normalized_[i + k])];
      const Alignment a = alignments_[k == 0 ? i : i + n - 1];
      for (char ch : out) {
        text[o] = ch;
        aligns[o++] = a;
      }
    }
    i += n;
  }
  text.resize(o);
  aligns.resize(o);
  normalized_ = std::move(text);
  alignments_ = std::move(aligns);
  return true;
}

void NormalizedString::prepend(std::string_view s) {
  if (normalized_.empty()) return;
  size_t i = 0;
  char32_t first = utf8::next(normalized_, i);
  std::vector<CharChange> changes;
  size_t k = 0;
  for (size_t j = 0; j < s.size(); ++k) changes.push_back({utf8::next(s, j), k != 0 ? 1 : 0});
  changes.push_back({first, 1});
  transform_range(0, i, changes, 0);
}

void NormalizedString::lowercase() {
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  std::u32string lower;
  bool changed = false;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = utf8::next(normalized_, i);
    lower.clear();
    utf8::to_lowercase(c, lower);
    for (size_t k = 0; k < lower.size(); ++k) changes.push_back({lower[k], k > 0 ? 1 : 0});
    changed |= lower.size() != 1 || lower[0] != c;
  }
  if (!changed) return;  // identity edit: alignments would not change
  transform(changes, 0);
}

void NormalizedString::replace(const std::vector<PatternMatch>& matches, std::string_view content) {
  std::string text;
  std::vector<Alignment> aligns;
  text.reserve(normalized_.size());
  aligns.reserve(alignments_.size());
  size_t last_end = 0;
  for (const PatternMatch& m : matches) {
    if (!m.is_match) continue;
    text.append(normalized_, last_end, m.start - last_end);
    aligns.insert(aligns.end(), alignments_.begin() + static_cast<ptrdiff_t>(last_end),
                  alignments_.begin() + static_cast<ptrdiff_t>(m.start));
    // Every inserted char takes the alignment of the last byte of the match.
    Alignment align = m.end < 1 ? Alignment{0, 0} : alignments_[m.end - 1];
    text.append(content);
    aligns.insert(aligns.end(), content.size(), align);
    last_end = m.end;
  }
  if (last_end == 0 && text.empty()) {
    bool any = false;
    for (const auto& m : matches) any |= m.is_match;
    if (!any) return;
  }
  text.append(normalized_, last_end);
  aligns.insert(aligns.end(), alignments_.begin() + static_cast<ptrdiff_t>(last_end),
                alignments_.end());
  normalized_ = std::move(text);
  alignments_ = std::move(aligns);
}

// The reference's lrstrip, including its comparison of a char index with a byte length.
void NormalizedString::strip(bool left, bool right) {
  std::vector<char32_t> chars;
  for (size_t i = 0; i < normalized_.size();) chars.push_back(utf8::next(normalized_, i));
  size_t leading = 0, trailing = 0;
  if (left)
    while (leading < chars.size() && utf8::is_whitespace(chars[leading])) ++leading;
  if (right)
    while (trailing < chars.size() && utf8::is_whitespace(chars[chars.size() - 1 - trailing]))
      ++trailing;
  if (leading == 0 && trailing == 0) return;
  size_t count = chars.size();
  std::vector<CharChange> changes;
  for (size_t i = 0; i < count; ++i) {
    if (i < leading || i >= count - trailing) continue;
    if (i + trailing + 1 == len()) {
      changes.push_back({chars[i], -static_cast<int>(trailing)});
    } else {
      changes.push_back({chars[i], 0});
    }
  }
  transform(changes, leading);
}

std::vector<NormalizedString> NormalizedString::split(const std::vector<PatternMatch>& matches,
                                                      SplitBehavior behavior) const {
  struct Piece {
    size_t start, end;
    bool remove;
  };
  std::vector<Piece> pieces;
  pieces.reserve(matches.size());
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (const auto& m : matches) pieces.push_back({m.start, m.end, false});
      break;
    case SplitBehavior::Removed:
      for (const auto& m : matches) pieces.push_back({m.start, m.end, m.is_match});
      break;
    case SplitBehavior::Contiguous: {
      bool prev = false;
      for (const auto& m : matches) {
        if (m.is_match == prev && !pieces.empty()) {
          pieces.back().end = m.end;
        } else {
          pieces.push_back({m.start, m.end, false});
        }
        prev = m.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithPrevious: {
      bool prev = false;
      for (const auto& m : matches) {
        if (m.is_match && !prev && !pieces.empty()) {
          pieces.back().end = m.end;
        } else {
          pieces.push_back({m.start, m.end, false});
        }
        prev = m.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool prev = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !prev && !pieces.empty()) {
          pieces.back().start = it->start;
        } else {
          pieces.push_back({it->start, it->end, false});
        }
        prev = it->is_match;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
    }
  }
  std::vector<NormalizedString> out;
  out.reserve(pieces.size());
  for (const Piece& p : pieces) {
    if (p.remove) continue;
    auto s = slice(p.start, p.end);
    HFCPP_CHECK(s.has_value(), ErrorCode::Internal, "[tokenizers] bad split [{}, {})", p.start,
                p.end);
    out.push_back(std::move(*s));
  }
  return out;
}

std::vector<PatternMatch> find_char_matches(std::string_view text, bool (*pred)(char32_t)) {
  std::vector<PatternMatch> out;
  if (text.empty()) return {{0, 0, false}};
  size_t last = 0;
  for (size_t i = 0; i < text.size();) {
    size_t b = i;
    char32_t c = utf8::next(text, i);
    if (pred(c)) {
      if (last < b) out.push_back({last, b, false});
      out.push_back({b, i, true});
      last = i;
    }
  }
  if (text.size() > last) out.push_back({last, text.size(), false});
  return out;
}

std::vector<PatternMatch> find_char_matches(std::string_view text, char32_t ch) {
  std::string needle = utf8::encode(ch);
  return find_literal_matches(text, needle);
}

std::vector<PatternMatch> find_literal_matches(std::string_view text, std::string_view literal) {
  if (literal.empty()) return {{0, utf8::count_chars(text), false}};
  if (text.empty()) return {{0, 0, false}};
  std::vector<PatternMatch> out;
  size_t prev = 0;
  for (size_t pos = text.find(literal); pos != std::string_view::npos;
       pos = text.find(literal, pos + literal.size())) {
    if (prev != pos) out.push_back({prev, pos, false});
    out.push_back({pos, pos + literal.size(), true});
    prev = pos + literal.size();
  }
  if (prev != text.size()) out.push_back({prev, text.size(), false});
  return out;
}

void invert_matches(std::vector<PatternMatch>& matches) {
  for (auto& m : matches) m.is_match = !m.is_match;
}

}  // namespace hfcpp::tokenizers
