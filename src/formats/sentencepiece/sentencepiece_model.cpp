// tokenizer.model reader. The file is a protobuf message (sentencepiece_model.proto). hfcpp reads it
// with its own wire-format decoder rather than libsentencepiece/libprotobuf: it needs three small
// messages out of it, the decoder is ~100 lines (varints, length-delimited fields, fixed32/64), and
// it keeps the library free of a protobuf runtime and its version pinning. Every read is bounds-
// checked and errors name the byte offset, so any input either parses or throws hfcpp::Error.
#include "hfcpp/formats/sentencepiece_model.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "hfcpp/core/error.h"

namespace hfcpp::formats {

namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

const char* wire_type_name(uint32_t w) {
  switch (w) {
    case kVarint: return "varint";
    case kFixed64: return "fixed64";
    case kLengthDelimited: return "length-delimited";
    case kStartGroup: return "start-group";
    case kEndGroup: return "end-group";
    case kFixed32: return "fixed32";
  }
  return "invalid";
}

// One protobuf message: a byte range of the file, with offsets reported from the file's start.
class WireReader {
 public:
  WireReader(std::span<const std::byte> bytes, size_t base, std::string_view source, std::string_view message)
      : bytes_(bytes), base_(base), source_(source), message_(message) {}

  bool done() const { return pos_ >= bytes_.size(); }

  struct Tag {
    uint32_t field;
    uint32_t wire;
    size_t offset;  // of the tag, from the file's start
  };

  Tag next_tag() {
    const size_t at = offset();
    const uint64_t key = varint("field tag");
    const uint64_t field = key >> 3;
    HFCPP_CHECK(field >= 1 && field <= 0x1fffffff, ErrorCode::Format,
                "[sentencepiece] {}: {} field number {} at byte {} is out of range, expected 1..536870911", source_,
                message_, field, at);
    return {static_cast<uint32_t>(field), static_cast<uint32_t>(key & 7), at};
  }

  uint64_t varint(std::string_view what) {
    const size_t at = offset();
    uint64_t value = 0;
    for (int i = 0; i < 10; ++i) {
      HFCPP_CHECK(pos_ < bytes_.size(), ErrorCode::Format, "[sentencepiece] {}: {} {} at byte {} is truncated",
                  source_, message_, what, at);
      const auto b = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return value;
    }
    HFCPP_THROW(ErrorCode::Format, "[sentencepiece] {}: {} {} at byte {} is a varint longer than 10 bytes", source_,
                message_, what, at);
  }

  uint32_t fixed32(std::string_view what) {
    const size_t at = offset();
    HFCPP_CHECK(bytes_.size() - pos_ >= 4, ErrorCode::Format,
                "[sentencepiece] {}: {} {} at byte {} is truncated: {} bytes left, expected 4", source_, message_, what,
                at, bytes_.size() - pos_);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }

  // The payload of a length-delimited field, and its offset from the file's start.
  std::pair<std::span<const std::byte>, size_t> length_delimited(std::string_view what) {
    const size_t at = offset();
    const uint64_t n = varint(what);
    HFCPP_CHECK(n <= bytes_.size() - pos_, ErrorCode::Format,
                "[sentencepiece] {}: {} {} at byte {} has length {}, but only {} bytes are left", source_, message_,
                what, at, n, bytes_.size() - pos_);
    const size_t start = pos_;
    pos_ += static_cast<size_t>(n);
    return {bytes_.subspan(start, static_cast<size_t>(n)), base_ + start};
  }

  // Checks a known field's wire type.
  void expect(const Tag& t, uint32_t wire, std::string_view name) const {
    HFCPP_CHECK(t.wire == wire, ErrorCode::Format,
                "[sentencepiece] {}: {}.{} (field {}) at byte {} has wire type {} ({}), expected {} ({})", source_,
                message_, name, t.field, t.offset, t.wire, wire_type_name(t.wire), wire, wire_type_name(wire));
  }

  // Steps over a field this reader does not use.
  void skip(const Tag& t) {
    switch (t.wire) {
      case kVarint: (void)varint("unknown field"); return;
      case kFixed64:
        HFCPP_CHECK(bytes_.size() - pos_ >= 8, ErrorCode::Format,
                    "[sentencepiece] {}: {} field {} at byte {} is truncated: expected 8 bytes", source_, message_,
                    t.field, t.offset);
        pos_ += 8;
        return;
      case kLengthDelimited: (void)length_delimited("unknown field"); return;
      case kFixed32: (void)fixed32("unknown field"); return;
      default:
        // Groups are deprecated and sentencepiece_model.proto has none.
        HFCPP_THROW(ErrorCode::Format, "[sentencepiece] {}: {} field {} at byte {} has wire type {} ({}), expected 0, 1, 2 or 5",
                    source_, message_, t.field, t.offset, t.wire, wire_type_name(t.wire));
    }
  }

  std::string_view source() const { return source_; }

 private:
  size_t offset() const { return base_ + pos_; }
  std::span<const std::byte> bytes_;
  size_t pos_ = 0, base_;
  std::string_view source_, message_;
};

std::string as_string(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

float as_float(uint32_t bits) {
  float f;
  static_assert(sizeof f == sizeof bits);
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// proto int32: a varint holding the value's two's complement (negative ones take 10 bytes).
int32_t as_int32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

SentencePiece parse_piece(std::span<const std::byte> bytes, size_t base, std::string_view source, size_t index) {
  WireReader r(bytes, base, source, "SentencePiece");
  SentencePiece p;
  while (!r.done()) {
    const auto t = r.next_tag();
    switch (t.field) {
      case 1: r.expect(t, kLengthDelimited, "piece"); p.piece = as_string(r.length_delimited("piece").first); break;
      case 2: r.expect(t, kFixed32, "score"); p.score = as_float(r.fixed32("score")); break;
      case 3: {
        r.expect(t, kVarint, "type");
        const int32_t type = as_int32(r.varint("type"));
        HFCPP_CHECK(type >= 1 && type <= 6, ErrorCode::Format,
                    "[sentencepiece] {}: piece {} at byte {} has type {}, expected 1..6 (NORMAL..BYTE)", source, index,
                    t.offset, type);
        p.type = static_cast<SentencePieceType>(type);
        break;
      }
      default: r.skip(t);
    }
  }
  return p;
}

void parse_trainer_spec(std::span<const std::byte> bytes, size_t base, std::string_view source, SentencePieceModel& m) {
  WireReader r(bytes, base, source, "TrainerSpec");
  while (!r.done()) {
    const auto t = r.next_tag();
    auto int32_field = [&](std::string_view name) {
      r.expect(t, kVarint, name);
      return as_int32(r.varint(name));
    };
    switch (t.field) {
      case 3: {
        const int32_t type = int32_field("model_type");
        HFCPP_CHECK(type >= 1 && type <= 4, ErrorCode::Format,
                    "[sentencepiece] {}: TrainerSpec.model_type at byte {} is {}, expected 1..4 (UNIGRAM, BPE, WORD, CHAR)",
                    source, t.offset, type);
        m.model_type = static_cast<SentencePieceModelType>(type);
        break;
      }
      case 4: m.trainer_vocab_size = int32_field("vocab_size"); break;
      case 35: m.byte_fallback = int32_field("byte_fallback") != 0; break;
      case 40: m.unk_id = int32_field("unk_id"); break;
      case 41: m.bos_id = int32_field("bos_id"); break;
      case 42: m.eos_id = int32_field("eos_id"); break;
      case 43: m.pad_id = int32_field("pad_id"); break;
      default: r.skip(t);
    }
  }
}

void parse_normalizer_spec(std::span<const std::byte> bytes, size_t base, std::string_view source,
                           SentencePieceModel& m) {
  WireReader r(bytes, base, source, "NormalizerSpec");
  while (!r.done()) {
    const auto t = r.next_tag();
    auto bool_field = [&](std::string_view name) {
      r.expect(t, kVarint, name);
      return r.varint(name) != 0;
    };
    switch (t.field) {
      case 1: r.expect(t, kLengthDelimited, "name"); m.normalizer_name = as_string(r.length_delimited("name").first); break;
      case 2:
        r.expect(t, kLengthDelimited, "precompiled_charsmap");
        m.precompiled_charsmap_bytes = r.length_delimited("precompiled_charsmap").first.size();
        break;
      case 3: m.add_dummy_prefix = bool_field("add_dummy_prefix"); break;
      case 4: m.remove_extra_whitespaces = bool_field("remove_extra_whitespaces"); break;
      case 5: m.escape_whitespaces = bool_field("escape_whitespaces"); break;
      default: r.skip(t);
    }
  }
}

// The checks SentencePieceProcessor makes when it loads a model (sentencepiece 0.2), so that a file
// it refuses is refused here too. (It accepts a model without an unknown piece.)
void validate(const SentencePieceModel& m, std::string_view source) {
  HFCPP_CHECK(!m.pieces.empty(), ErrorCode::Format, "[sentencepiece] {}: the model has no pieces", source);
  std::set<std::string_view> seen;
  bool has_unknown = false;
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    const SentencePiece& p = m.pieces[i];
    HFCPP_CHECK(!p.piece.empty(), ErrorCode::Format, "[sentencepiece] {}: piece {} is empty", source, i);
    HFCPP_CHECK(seen.insert(p.piece).second, ErrorCode::Format, "[sentencepiece] {}: piece {} '{}' is already defined",
                source, i, p.piece);
    if (p.type == SentencePieceType::Unknown) {
      HFCPP_CHECK(!has_unknown, ErrorCode::Format, "[sentencepiece] {}: piece {} is a second unknown piece", source, i);
      has_unknown = true;
    }
    HFCPP_CHECK(p.type != SentencePieceType::Byte || m.byte_fallback, ErrorCode::Format,
                "[sentencepiece] {}: piece {} '{}' is a byte piece, but trainer_spec.byte_fallback is false", source, i,
                p.piece);
  }
}

}  // namespace

const char* sentencepiece_model_type_name(SentencePieceModelType type) {
  switch (type) {
    case SentencePieceModelType::Unigram: return "unigram";
    case SentencePieceModelType::Bpe: return "bpe";
    case SentencePieceModelType::Word: return "word";
    case SentencePieceModelType::Char: return "char";
  }
  return "?";
}

SentencePieceModel parse_sentencepiece_model(std::span<const std::byte> bytes, std::string_view source) {
  SentencePieceModel m;
  WireReader r(bytes, 0, source, "ModelProto");
  while (!r.done()) {
    const auto t = r.next_tag();
    switch (t.field) {
      case 1: {
        r.expect(t, kLengthDelimited, "pieces");
        const auto [payload, at] = r.length_delimited("pieces");
        m.pieces.push_back(parse_piece(payload, at, source, m.pieces.size()));
        break;
      }
      case 2: {  // a repeated embedded message merges into the earlier one, as protobuf does
        r.expect(t, kLengthDelimited, "trainer_spec");
        const auto [payload, at] = r.length_delimited("trainer_spec");
        parse_trainer_spec(payload, at, source, m);
        break;
      }
      case 3: {
        r.expect(t, kLengthDelimited, "normalizer_spec");
        const auto [payload, at] = r.length_delimited("normalizer_spec");
        parse_normalizer_spec(payload, at, source, m);
        break;
      }
      default: r.skip(t);
    }
  }
  validate(m, source);
  return m;
}

SentencePieceModel read_sentencepiece_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HFCPP_CHECK(in.good(), ErrorCode::Io, "[sentencepiece] cannot read '{}'", path);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  HFCPP_CHECK(!in.bad(), ErrorCode::Io, "[sentencepiece] reading '{}' failed", path);
  return parse_sentencepiece_model(std::as_bytes(std::span<const char>(data.data(), data.size())), path);
}

}  // namespace hfcpp::formats
