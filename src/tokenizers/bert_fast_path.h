// encode's path for the BERT family: BertNormalizer (any flags) + BertPreTokenizer + WordPiece,
// fused over string views. Each input char is normalized on its own (BertNormalizer's edits
// are per char, except the canonical reordering of NFD, see CharEntry::kContext), so a text is
// one pass: look up each char's normalized bytes and pre-tokenizer class in a table, gather the
// bytes of a word with the original char range of each, and tokenize the word in place. This
// gives the general path's splits and alignments without NormalizedString's per-byte edits.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "hfcpp/tokenizers/encoding.h"
#include "tokenizers/components.h"

namespace hfcpp::tokenizers {

class AddedVocabulary;
class WordPiece;

struct BertNormalizerFlags {
  bool clean_text, handle_chinese_chars, strip_accents, lowercase;
};
// The flags of a BertNormalizer, nullopt for any other normalizer (normalizers/bert.cpp).
std::optional<BertNormalizerFlags> bert_normalizer_flags(const Normalizer* n);
// Whether p is a BertPreTokenizer, and how it classes a (normalized) char (pre_tokenizers/simple.cpp).
bool is_bert_pre_tokenizer(const PreTokenizer* p);
enum class BertCharKind : uint8_t { Word, Space, Punct };
BertCharKind bert_pre_tokenizer_kind(char32_t c);

// Where encode_single stops early under truncation: the first `limit` tokens (or the last ones,
// from_left) rounded out to whole words, as the general path tokenizes splits until it has them.
struct EarlyStop {
  size_t limit;
  bool from_left;
};
// Cuts enc (word ids consecutive from 0, each word >= 1 token) as the general path's early
// stop does; added_words[w] marks words that are added tokens (they never end the scan).
void apply_early_stop(Encoding& enc, const std::vector<uint8_t>& added_words, const EarlyStop& stop);

class BertFastPath {
 public:
  // nullptr unless the pipeline is exactly BertNormalizer + BertPreTokenizer + WordPiece with
  // no added token matched after normalization.
  static std::unique_ptr<BertFastPath> create(const Normalizer* normalizer, const PreTokenizer* pre_tokenizer,
                                              const Model* model, const AddedVocabulary& added);
  BertFastPath(const Normalizer& normalizer, BertNormalizerFlags flags, const WordPiece& model,
               const AddedVocabulary& added);

  // encode_single's result (type ids, masks) for text, or nullopt where the text holds a char
  // whose normalization depends on its neighbours: the caller then takes the general path.
  std::optional<Encoding> encode(std::string_view text, uint32_t type_id,
                                 const std::optional<EarlyStop>& stop) const;

  // One input char's normalized form: its bytes and how the pre-tokenizer splits them.
  struct CharEntry {
    enum Kind : uint8_t {
      kWord,      // word chars (none: a char clean_text removes), appended to the current word
      kSpace,     // whitespace only: ends the current word
      kIsolated,  // punctuation, or a CJK char in spaces: a word of its own
      kMixed,     // anything else: each normalized char classed at run time
      kContext,   // NFD could reorder it with its neighbours: the whole text takes the general path
    };
    Kind kind = kContext;
    uint8_t len = 0;
    char bytes[30] = {};
  };

 private:
  CharEntry compute_entry(char32_t c) const;
  const CharEntry& entry(char32_t c) const;

  const Normalizer& normalizer_;
  uint32_t flags_key_;  // the flags as bits: entries are shared by tokenizers with equal flags
  const WordPiece& model_;
  const AddedVocabulary& added_;
  uint32_t unk_id_;
  CharEntry ascii_[128];
};

}  // namespace hfcpp::tokenizers
