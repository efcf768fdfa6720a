// The encode/decode pipeline (the reference's TokenizerImpl::encode_char_offsets, post_process
// and decode).
#include "hfcpp/tokenizers/tokenizer.h"

#include <algorithm>
#include <array>

#include "hfcpp/core/error.h"
#include "hfcpp/core/thread_pool.h"
#include "tokenizers/bert_fast_path.h"
#include "tokenizers/byte_level_table.h"
#include "tokenizers/char_offsets.h"
#include "tokenizers/pre_tokenizers/byte_level.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
void check_utf8(std::string_view text) {
  size_t bad = utf8::find_invalid(text);
  HFCPP_CHECK(bad == std::string_view::npos, ErrorCode::InvalidArgument,
              "[tokenizers] input is not valid UTF-8: invalid byte 0x{:02X} at offset {} (the "
              "reference accepts only Unicode text)",
              static_cast<unsigned char>(text[bad]), bad);
}

}  // namespace

// GPT-2's pipeline (no normalizer, ByteLevel split + byte map) over string views: each regex
// word is byte-mapped into a reused buffer and tokenized directly, with per-byte original
// positions standing in for the NormalizedString alignments. Truncation's early stop is
// applied to the whole result (apply_early_stop).
Encoding Tokenizer::Impl::encode_byte_level_words(std::string_view text, PreTokenizedString& pts,
                                                  uint32_t type_id, const std::optional<EarlyStop>& stop) const {
  const auto& table = byte_level_table();
  thread_local std::vector<ByteRange> ranges;
  thread_local std::string mapped;
  thread_local std::vector<uint32_t> char_start, char_end;  // per mapped byte, within the word
  thread_local std::vector<Token> toks;
  thread_local std::vector<uint8_t> added_words;
  added_words.clear();
  Encoding enc;
  enc.ids.reserve(text.size() / 3 + 4);
  enc.tokens.reserve(text.size() / 3 + 4);
  enc.offsets.reserve(text.size() / 3 + 4);
  enc.word_ids.reserve(text.size() / 3 + 4);
  CharOffsets chars(text);
  int64_t word = 0;
  auto emit = [&](uint32_t id, std::string&& value, size_t s, size_t e) {
    enc.ids.push_back(id);
    enc.tokens.push_back(std::move(value));
    enc.offsets.push_back(chars.convert(s, e));
    enc.word_ids.push_back(word);
  };
  // Each byte's printable char as UTF-8 (2 bytes at most in the GPT-2 table; 4 allowed).
  struct MappedByte {
    uint8_t len;
    char bytes[4];
  };
  static const std::array<MappedByte, 256> kMapped = [&] {
    std::array<MappedByte, 256> m{};
    for (size_t b = 0; b < 256; ++b) {
      const std::string& u = table.byte_to_utf8[b];
      HFCPP_CHECK(!u.empty() && u.size() <= 4, ErrorCode::Internal,
                  "[tokenizers] ByteLevel table: byte {} maps to {} UTF-8 bytes, expected 1-4", b, u.size());
      m[b].len = static_cast<uint8_t>(u.size());
      std::copy(u.begin(), u.end(), m[b].bytes);
    }
    return m;
  }();
  auto encode_word = [&](std::string_view w, size_t shift) {
    size_t cap = w.size() * 4;
    if (mapped.size() < cap) {
      mapped.resize(cap);
      char_start.resize(cap);
      char_end.resize(cap);
    }
    size_t m = 0;
    for (size_t i = 0; i < w.size();) {
      auto lead = static_cast<unsigned char>(w[i]);
      size_t n = lead < 0x80 ? 1 : std::min(utf8::char_len(lead), w.size() - i);
      for (size_t k = 0; k < n; ++k) {
        const MappedByte& mb = kMapped[static_cast<unsigned char>(w[i + k])];
        for (size_t j = 0; j < mb.len; ++j, ++m) {
          mapped[m] = mb.bytes[j];
          char_start[m] = static_cast<uint32_t>(i);
          char_end[m] = static_cast<uint32_t>(i + n);
        }
      }
      i += n;
    }
    toks.clear();
    model->tokenize(std::string_view(mapped.data(), m), toks);
    for (Token& t : toks) {
      if (t.end > t.start)
        emit(t.id, std::move(t.value), shift + char_start[t.start], shift + char_end[t.end - 1]);
      else
        emit(t.id, std::move(t.value), shift + t.start, shift + t.end);
    }
    ++word;
    added_words.push_back(0);
  };
  for (Split& sp : pts.splits()) {
    const NormalizedString& ns = sp.normalized;
    if (sp.tokens) {
      for (Token& t : *sp.tokens) {
        size_t s = t.start, e = t.end;
        if (auto r = ns.normalized_to_original(t.start, t.end)) {
          s = ns.original_shift() + r->first;
          e = ns.original_shift() + r->second;
        }
        emit(t.id, std::move(t.value), s, e);
      }
      ++word;
      added_words.push_back(1);
      continue;
    }
    std::string_view v = ns.get();
    ranges.clear();
    gpt2_regex().find_all(v, ranges);
    size_t pos = 0;
    for (const ByteRange& r : ranges) {
      if (r.first > pos) encode_word(v.substr(pos, r.first - pos), ns.original_shift() + pos);
      if (r.second > r.first) encode_word(v.substr(r.first, r.second - r.first), ns.original_shift() + r.first);
      pos = std::max(pos, r.second);
    }
    if (pos < v.size()) encode_word(v.substr(pos), ns.original_shift() + pos);
  }
  enc.type_ids.assign(enc.ids.size(), type_id);
  enc.special_tokens_mask.assign(enc.ids.size(), 0);
  enc.attention_mask.assign(enc.ids.size(), 1);
  if (stop) apply_early_stop(enc, added_words, *stop);
  return enc;
}

Encoding Tokenizer::Impl::encode_single(std::string_view text, uint32_t type_id) const {
  std::optional<size_t> limit;
  // Early stop only without stride: strided truncation needs every token for its overflowing
  // windows (question-answering's doc_stride).
  if (truncation && truncation->stride == 0 &&
      (truncation->strategy != TruncationStrategy::OnlySecond || type_id != 0))
    limit = truncation->max_length;
  std::optional<EarlyStop> stop;
  if (limit) stop = EarlyStop{*limit, truncation->from_left};
  if (bert_fast && fast_paths) {
    if (auto enc = bert_fast->encode(text, type_id, stop)) return std::move(*enc);
  }
  PreTokenizedString pts = added.extract_and_normalize(normalizer.get(), text);
  if (!normalizer && fast_paths && is_plain_gpt2_byte_level(pre_tokenizer.get()))
    return encode_byte_level_words(text, pts, type_id, stop);
  if (pre_tokenizer) pre_tokenizer->pre_tokenize(pts);

  std::vector<Split>& splits = pts.splits();
  auto tokenize = [&](Split& sp) {
    std::vector<Token> toks;
    model->tokenize(sp.normalized.get(), toks);
    sp.tokens = std::move(toks);
  };
  if (!limit) {
    for (Split& sp : splits)
      if (!sp.tokens) tokenize(sp);
  } else if (!truncation->from_left) {
    size_t total = 0, last = 0;
    for (size_t i = 0; i < splits.size(); ++i) {
      bool already = splits[i].tokens.has_value();
      if (!already) tokenize(splits[i]);
      total += splits[i].tokens->size();
      last = i + 1;
      if (!already && total >= *limit) break;
    }
    splits.resize(last);
  } else {
    size_t total = 0, first = splits.size();
    for (size_t i = splits.size(); i-- > 0;) {
      bool already = splits[i].tokens.has_value();
      if (!already) tokenize(splits[i]);
      total += splits[i].tokens->size();
      first = i;
      if (!already && total >= *limit) break;
    }
    splits.erase(splits.begin(), splits.begin() + static_cast<ptrdiff_t>(first));
  }

  Encoding enc;
  if (splits.empty()) return enc;
  CharOffsets chars(text);
  size_t n = 0;
  for (const Split& sp : splits) n += sp.tokens->size();
  enc.ids.reserve(n);
  enc.tokens.reserve(n);
  enc.offsets.reserve(n);
  enc.word_ids.reserve(n);
  for (size_t idx = 0; idx < splits.size(); ++idx) {
    Split& sp = splits[idx];
    const NormalizedString& ns = sp.normalized;
    for (Token& t : *sp.tokens) {
      size_t s = t.start, e = t.end;
      if (auto r = ns.normalized_to_original(t.start, t.end)) {
        s = ns.original_shift() + r->first;
        e = ns.original_shift() + r->second;
      }
      enc.ids.push_back(t.id);
      enc.tokens.push_back(std::move(t.value));
      enc.offsets.push_back(chars.convert(s, e));
      enc.word_ids.push_back(static_cast<int64_t>(idx));
    }
  }
  enc.type_ids.assign(enc.ids.size(), type_id);
  enc.special_tokens_mask.assign(enc.ids.size(), 0);
  enc.attention_mask.assign(enc.ids.size(), 1);
  return enc;
}

namespace {
void truncate_encodings(Encoding& a, std::optional<Encoding>& b, const TruncationParams& p) {
  if (p.max_length == 0) {
    a.truncate(0, p.stride, p.from_left);
    if (b) b->truncate(0, p.stride, p.from_left);
    return;
  }
  size_t total = a.size() + (b ? b->size() : 0);
  if (total <= p.max_length) return;
  size_t to_remove = total - p.max_length;
  if (p.strategy == TruncationStrategy::LongestFirst) {
    if (!b) {
      a.truncate(total - to_remove, p.stride, p.from_left);
      return;
    }
    size_t n1 = a.size(), n2 = b->size();
    bool swap = n1 > n2;
    if (swap) std::swap(n1, n2);
    if (n1 > p.max_length) {
      n2 = n1;
    } else {
      n2 = std::max(n1, p.max_length - n1);
    }
    if (n1 + n2 > p.max_length) {
      n1 = p.max_length / 2;
      n2 = n1 + p.max_length % 2;
    }
    if (swap) std::swap(n1, n2);
    a.truncate(n1, p.stride, p.from_left);
    b->truncate(n2, p.stride, p.from_left);
    return;
  }
  Encoding* target = &a;
  if (p.strategy == TruncationStrategy::OnlySecond) {
    HFCPP_CHECK(b.has_value(), ErrorCode::InvalidArgument,
                "[tokenizers] truncation only_second needs a second sequence");
    target = &*b;
  }
  HFCPP_CHECK(target->size() > to_remove, ErrorCode::InvalidArgument,
              "[tokenizers] truncation: sequence of {} tokens is too short to remove {}",
              target->size(), to_remove);
  target->truncate(target->size() - to_remove, p.stride, p.from_left);
}

size_t padded_length(size_t longest, const PaddingParams& p) {
  size_t n = p.fixed_length.value_or(longest);
  if (p.pad_to_multiple_of > 0 && n % p.pad_to_multiple_of > 0)
    n += p.pad_to_multiple_of - n % p.pad_to_multiple_of;
  return n;
}
}  // namespace

Encoding Tokenizer::Impl::post_process(Encoding enc, std::optional<Encoding> pair,
                                       bool add_special) const {
  if (truncation) {
    size_t n_added = post_processor ? post_processor->added_tokens(pair.has_value()) : 0;
    TruncationParams p = *truncation;
    if (add_special && n_added > 0) {
      HFCPP_CHECK(p.max_length >= n_added, ErrorCode::InvalidArgument,
                  "[tokenizers] truncation max_length {} is below the {} special tokens added",
                  p.max_length, n_added);
      p.max_length -= n_added;
    }
    truncate_encodings(enc, pair, p);
  }
  std::vector<Encoding> encs;
  encs.push_back(std::move(enc));
  if (pair) encs.push_back(std::move(*pair));
  Encoding out;
  if (post_processor) {
    for (size_t i = 0; i < encs.size(); ++i) {
      encs[i].set_sequence_id(i);
      for (Encoding& o : encs[i].overflowing) o.set_sequence_id(i);
      encs[i].set_type_ids(static_cast<uint32_t>(i));
    }
    post_processor->process_encodings(encs, add_special);
    if (encs.size() == 1 && encs[0].overflowing.empty()) {
      out = std::move(encs[0]);  // what merging it into an empty encoding gives, without copies
    } else {
      for (const Encoding& e : encs) out.merge_with(e, false);
    }
  } else if (encs.size() == 1) {
    out = std::move(encs[0]);
  } else {
    for (size_t i = 0; i < encs.size(); ++i) {
      encs[i].set_sequence_id(i);
      out.merge_with(encs[i], false);
    }
  }
  if (padding) {
    const PaddingParams& p = *padding;
    out.pad(padded_length(out.size(), p), p.pad_id, p.pad_type_id, p.pad_token, p.left);
  }
  return out;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  check_utf8(text);
  return impl_->post_process(impl_->encode_single(text, 0), std::nullopt, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, bool add_special_tokens) const {
  check_utf8(a);
  check_utf8(b);
  Encoding ea = impl_->encode_single(a, 0);
  Encoding eb = impl_->encode_single(b, 1);
  return impl_->post_process(std::move(ea), std::move(eb), add_special_tokens);
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const std::string> texts,
                                              bool add_special_tokens) const {
  std::vector<Encoding> out(texts.size());
  core::parallel_for(0, static_cast<int64_t>(texts.size()), 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[static_cast<size_t>(i)] = encode(texts[static_cast<size_t>(i)], add_special_tokens);
  });
  if (impl_->padding && !out.empty()) {
    size_t longest = 0;
    for (const Encoding& enc : out) longest = std::max(longest, enc.size());
    const PaddingParams& p = *impl_->padding;
    size_t target = padded_length(longest, p);
    for (Encoding& enc : out) enc.pad(target, p.pad_id, p.pad_type_id, p.pad_token, p.left);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const uint32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (uint32_t id : ids) {
    std::string token;
    if (const std::string* added = impl_->added.id_to_token(id)) {
      token = *added;
    } else if (auto t = impl_->model->id_to_token(id)) {
      token = std::move(*t);
    } else {
      continue;  // unknown ids are dropped, as the reference does
    }
    if (skip_special_tokens && impl_->added.is_special_token(token)) continue;
    tokens.push_back(std::move(token));
  }
  if (!impl_->decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += ' ';
      out += tokens[i];
    }
    return out;
  }
  impl_->decoder->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<uint32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = impl_->added.token_to_id(token)) return id;
  return impl_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(uint32_t id) const {
  if (const std::string* t = impl_->added.id_to_token(id)) return *t;
  return impl_->model->id_to_token(id);
}

size_t Tokenizer::vocab_size(bool with_added_tokens) const {
  size_t n = impl_->model->vocab_size();
  if (!with_added_tokens) return n;
  for (const auto& [id, t] : impl_->added.tokens_by_id())
    if (!impl_->model->id_to_token(id)) ++n;
  return n;
}

std::vector<AddedTokenInfo> Tokenizer::added_tokens() const {
  std::vector<AddedTokenInfo> out;
  for (const auto& [id, t] : impl_->added.tokens_by_id()) out.push_back({id, t.content, t.special});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

const std::optional<TruncationParams>& Tokenizer::truncation() const { return impl_->truncation; }
const std::optional<PaddingParams>& Tokenizer::padding() const { return impl_->padding; }
void Tokenizer::set_truncation(std::optional<TruncationParams> p) { impl_->truncation = std::move(p); }
void Tokenizer::set_padding(std::optional<PaddingParams> p) { impl_->padding = std::move(p); }
void Tokenizer::set_fast_paths(bool enabled) { impl_->fast_paths = enabled; }

}  // namespace hfcpp::tokenizers
