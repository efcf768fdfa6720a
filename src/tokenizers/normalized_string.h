// NormalizedString: a piece of the input as the normalizers changed it, with, for every byte
// of the normalized text, the byte range of the original text it came from (the reference's
// "alignments"). Every edit goes through transform_range, which follows the reference's rules
// for which original bytes a new, replaced or removed char maps to, so offsets come out equal.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfcpp::tokenizers {

struct Alignment {
  uint32_t start = 0;
  uint32_t end = 0;
};

using ByteRange = std::pair<size_t, size_t>;

// One edit instruction: the new char and how it relates to the old text: 0 replaces one old
// char, +1 inserts, -n replaces one old char and removes the n following ones.
struct CharChange {
  char32_t c;
  int change;
};

// A pattern match list covering the whole text: [start, end) and whether it matched.
struct PatternMatch {
  size_t start;
  size_t end;
  bool is_match;
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class NormalizedString {
 public:
  NormalizedString() = default;
  explicit NormalizedString(std::string_view original);

  const std::string& get() const { return normalized_; }
  size_t len() const { return normalized_.size(); }
  bool empty() const { return normalized_.empty(); }
  size_t len_original() const { return original_len_; }
  size_t original_shift() const { return original_shift_; }
  const std::vector<Alignment>& alignments() const { return alignments_; }

  // Range conversions as the reference's convert_offsets (nullopt where it returns None).
  std::optional<ByteRange> normalized_to_original(size_t start, size_t end) const;
  std::optional<ByteRange> original_to_normalized(size_t start, size_t end) const;
  // Sub-string by a normalized byte range (must be on char boundaries).
  std::optional<NormalizedString> slice(size_t start, size_t end) const;

  void transform_range(size_t n_start, size_t n_end, const std::vector<CharChange>& dest,
                       size_t initial_offset);
  // Over the whole text (the reference's Range::Original(..)).
  void transform(const std::vector<CharChange>& dest, size_t initial_offset);

  // A one-for-one ASCII edit: every byte b becomes map[b], when all bytes are ASCII, none maps
  // to 0 and the edit would cover the whole text; this is transform() with a 0-change per char,
  // which keeps the alignments. Returns false and changes nothing otherwise.
  bool map_ascii(const char (&map)[128]);

  // Every byte b becomes the UTF-8 text to_utf8[b], aligned as the char it belongs to: the
  // edit ByteLevel makes, as transform() with a 0-change for a char's first byte and +1 for the
  // others. Returns false and changes nothing when the edit would not cover the whole text.
  bool map_each_byte(const std::array<std::string, 256>& to_utf8);

  // The reference's NormalizedString operations.
  template <class Keep>
  void filter(Keep keep);
  void prepend(std::string_view s);
  void lowercase();
  void replace(const std::vector<PatternMatch>& matches, std::string_view content);
  void strip(bool left, bool right);
  std::vector<NormalizedString> split(const std::vector<PatternMatch>& matches,
                                      SplitBehavior behavior) const;

 private:
  std::string normalized_;
  std::vector<Alignment> alignments_;
  size_t original_len_ = 0;
  size_t original_shift_ = 0;
};

// Match lists (the reference's Pattern::find_matches).
std::vector<PatternMatch> find_char_matches(std::string_view text, bool (*pred)(char32_t));
std::vector<PatternMatch> find_char_matches(std::string_view text, char32_t ch);
std::vector<PatternMatch> find_literal_matches(std::string_view text, std::string_view literal);
void invert_matches(std::vector<PatternMatch>& matches);

}  // namespace hfcpp::tokenizers

#include "tokenizers/normalized_string_inl.h"
