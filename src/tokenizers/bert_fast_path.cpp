#include "tokenizers/bert_fast_path.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

#include "tokenizers/added_vocabulary.h"
#include "tokenizers/char_offsets.h"
#include "tokenizers/models/wordpiece.h"
#include "tokenizers/normalizers/unicode_forms.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

void apply_early_stop(Encoding& enc, const std::vector<uint8_t>& added_words, const EarlyStop& stop) {
  if (enc.empty()) return;
  size_t n_words = static_cast<size_t>(enc.word_ids.back()) + 1;
  std::vector<size_t> word_begin(n_words + 1, enc.size());  // first token of each word
  for (size_t t = enc.size(); t-- > 0;) word_begin[static_cast<size_t>(enc.word_ids[t])] = t;
  size_t total = 0;
  size_t keep_begin = 0, keep_end = enc.size(), first_word = 0;
  if (!stop.from_left) {
    for (size_t w = 0; w < n_words; ++w) {
      total += word_begin[w + 1] - word_begin[w];
      keep_end = word_begin[w + 1];
      if (!added_words[w] && total >= stop.limit) break;
    }
  } else {
    for (size_t w = n_words; w-- > 0;) {
      total += word_begin[w + 1] - word_begin[w];
      first_word = w;
      keep_begin = word_begin[w];
      if (!added_words[w] && total >= stop.limit) break;
    }
  }
  auto cut = [&](auto& v) {
    v.erase(v.begin() + static_cast<ptrdiff_t>(keep_end), v.end());
    v.erase(v.begin(), v.begin() + static_cast<ptrdiff_t>(keep_begin));
  };
  cut(enc.ids);
  cut(enc.type_ids);
  cut(enc.tokens);
  cut(enc.offsets);
  cut(enc.word_ids);
  cut(enc.special_tokens_mask);
  cut(enc.attention_mask);
  // The general path numbers words by their split index after the cut.
  for (int64_t& w : enc.word_ids) w -= static_cast<int64_t>(first_word);
}

std::unique_ptr<BertFastPath> BertFastPath::create(const Normalizer* normalizer, const PreTokenizer* pre_tokenizer,
                                                   const Model* model, const AddedVocabulary& added) {
  auto flags = bert_normalizer_flags(normalizer);
  auto* wordpiece = dynamic_cast<const WordPiece*>(model);
  if (!flags || !wordpiece || !is_bert_pre_tokenizer(pre_tokenizer) || added.matches_normalized()) return nullptr;
  return std::make_unique<BertFastPath>(*normalizer, *flags, *wordpiece, added);
}

BertFastPath::BertFastPath(const Normalizer& normalizer, BertNormalizerFlags flags, const WordPiece& model,
                           const AddedVocabulary& added)
    : normalizer_(normalizer),
      flags_key_(uint32_t{flags.clean_text} | uint32_t{flags.handle_chinese_chars} << 1 |
                 uint32_t{flags.strip_accents} << 2 | uint32_t{flags.lowercase} << 3),
      model_(model), added_(added) {
  for (char32_t c = 0; c < 128; ++c) ascii_[c] = compute_entry(c);
}

BertFastPath::CharEntry BertFastPath::compute_entry(char32_t c) const {
  // The normalizer itself, on this char alone.
  NormalizedString s(utf8::encode(c));
  normalizer_.normalize(s);
  const std::string& out = s.get();
  CharEntry e;
  if (out.size() > sizeof(e.bytes)) return e;  // kContext: left to the general path
  std::vector<BertCharKind> kinds;
  for (size_t i = 0; i < out.size();) {
    char32_t oc = utf8::next(out, i);
    // NFD sorts runs of non-starters by class, across chars: a kept one may move.
    if ((flags_key_ & 4) && canonical_combining_class(oc) != 0) return e;
    kinds.push_back(bert_pre_tokenizer_kind(oc));
  }
  auto all = [&](size_t from, size_t to, BertCharKind k) {
    return std::all_of(kinds.begin() + static_cast<ptrdiff_t>(from), kinds.begin() + static_cast<ptrdiff_t>(to),
                       [k](BertCharKind x) { return x == k; });
  };
  size_t n = kinds.size();
  std::string_view bytes = out;
  if (all(0, n, BertCharKind::Word)) {
    e.kind = CharEntry::kWord;
  } else if (all(0, n, BertCharKind::Space)) {
    e.kind = CharEntry::kSpace;
    bytes = {};
  } else if (n == 1 && kinds[0] == BertCharKind::Punct) {
    e.kind = CharEntry::kIsolated;
  } else if (n >= 3 && kinds[0] == BertCharKind::Space && kinds[n - 1] == BertCharKind::Space &&
             all(1, n - 1, BertCharKind::Word) && out.front() == ' ' && out.back() == ' ') {
    e.kind = CharEntry::kIsolated;  // handle_chinese_chars' " c "
    bytes = bytes.substr(1, bytes.size() - 2);
  } else {
    e.kind = CharEntry::kMixed;
  }
  e.len = static_cast<uint8_t>(bytes.size());
  if (!bytes.empty()) std::memcpy(e.bytes, bytes.data(), bytes.size());
  return e;
}

const BertFastPath::CharEntry& BertFastPath::entry(char32_t c) const {
  // Per thread, so encode_batch's workers need no lock; entries depend only on the flags.
  thread_local std::unordered_map<uint64_t, CharEntry> cache;
  uint64_t key = uint64_t{flags_key_} << 32 | c;
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() >= (size_t{1} << 16)) cache.clear();  // bounds memory on exotic inputs
    it = cache.emplace(key, compute_entry(c)).first;
  }
  return it->second;
}

std::optional<Encoding> BertFastPath::encode(std::string_view text, uint32_t type_id,
                                             const std::optional<EarlyStop>& stop) const {
  thread_local std::string word;                // normalized bytes of the current word
  thread_local std::vector<uint32_t> orig_start;  // per byte of word: its original char's range
  thread_local std::vector<uint32_t> orig_end;
  thread_local std::vector<WordPieceHit> hits;
  thread_local std::vector<uint8_t> added_words;
  word.clear();
  orig_start.clear();
  orig_end.clear();
  added_words.clear();
  Encoding enc;
  size_t guess = text.size() / 4 + 4;
  enc.ids.reserve(guess);
  enc.tokens.reserve(guess);
  enc.offsets.reserve(guess);
  enc.word_ids.reserve(guess);
  CharOffsets chars(text);
  int64_t word_id = 0;
  const bool stop_right = stop && !stop->from_left;
  auto emit = [&](uint32_t id, std::string_view value, size_t s, size_t e) {
    enc.ids.push_back(id);
    enc.tokens.emplace_back(value);
    enc.offsets.push_back(chars.convert(s, e));
    enc.word_ids.push_back(word_id);
  };
  // Tokenizes the current word; true once right truncation has all the tokens it needs.
  auto flush = [&]() -> bool {
    if (word.empty()) return false;
    hits.clear();
    if (model_.tokenize_word(word, hits)) {
      for (const WordPieceHit& h : hits)
        emit(h.id, model_.token_text(h.id), orig_start[h.start], orig_end[h.end - 1]);
    } else {
      emit(model_.unk_id(), model_.unk_token(), orig_start.front(), orig_end.back());
    }
    ++word_id;
    added_words.push_back(0);
    word.clear();
    orig_start.clear();
    orig_end.clear();
    return stop_right && enc.size() >= stop->limit;
  };
  auto append = [&](const char* bytes, size_t len, size_t s, size_t e) {
    word.append(bytes, len);
    orig_start.insert(orig_start.end(), len, static_cast<uint32_t>(s));
    orig_end.insert(orig_end.end(), len, static_cast<uint32_t>(e));
  };
  bool done = false;
  for (const AddedVocabulary::Piece& piece : added_.split_raw(text)) {
    if (piece.id) {
      emit(*piece.id, text.substr(piece.start, piece.end - piece.start), piece.start, piece.end);
      ++word_id;
      added_words.push_back(1);
      continue;
    }
    for (size_t i = piece.start; i < piece.end && !done;) {
      size_t cs = i;
      auto b = static_cast<unsigned char>(text[i]);
      const CharEntry* e;
      if (b < 0x80) {
        e = &ascii_[b];
        ++i;
        if (e->kind == CharEntry::kWord && e->len == 1) {  // the common case, inline
          word.push_back(e->bytes[0]);
          orig_start.push_back(static_cast<uint32_t>(cs));
          orig_end.push_back(static_cast<uint32_t>(i));
          continue;
        }
      } else {
        e = &entry(utf8::next(text, i));
      }
      switch (e->kind) {
        case CharEntry::kWord:
          append(e->bytes, e->len, cs, i);
          break;
        case CharEntry::kSpace:
          done = flush();
          break;
        case CharEntry::kIsolated:
          if (!(done = flush())) {
            append(e->bytes, e->len, cs, i);
            done = flush();
          }
          break;
        case CharEntry::kMixed: {
          std::string_view out(e->bytes, e->len);
          for (size_t k = 0; k < out.size() && !done;) {
            size_t ks = k;
            BertCharKind kind = bert_pre_tokenizer_kind(utf8::next(out, k));
            if (kind == BertCharKind::Word) {
              append(out.data() + ks, k - ks, cs, i);
            } else if (!(done = flush()) && kind == BertCharKind::Punct) {
              append(out.data() + ks, k - ks, cs, i);
              done = flush();
            }
          }
          break;
        }
        case CharEntry::kContext:
          return std::nullopt;
      }
    }
    if (!done) done = flush();
    if (done) break;
  }
  enc.type_ids.assign(enc.ids.size(), type_id);
  enc.special_tokens_mask.assign(enc.ids.size(), 0);
  enc.attention_mask.assign(enc.ids.size(), 1);
  if (stop && stop->from_left) apply_early_stop(enc, added_words, *stop);
  return enc;
}

}  // namespace hfcpp::tokenizers
