// tokenizer.model reader: the committed SentencePiece models of tests/golden/convert_spm (made by
// scripts/golden/make_spm_fixtures.py; their pieces were read back with sentencepiece's own
// ModelProto), hand-encoded messages for the defaults, unknown fields and merging, and every kind
// of malformed input (an hfcpp::Error naming the byte offset, never a crash).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <span>
#include <string>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/sentencepiece_model.h"

using namespace hfcpp;
using namespace hfcpp::formats;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(HFCPP_SOURCE_DIR) / "tests/golden/convert_spm";

// A tiny protobuf encoder for building test messages.
std::string varint(uint64_t v) {
  std::string out;
  do {
    const auto b = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
    out += static_cast<char>(v ? (b | 0x80) : b);
  } while (v);
  return out;
}
std::string tag(uint32_t field, uint32_t wire) { return varint((uint64_t{field} << 3) | wire); }
std::string len_field(uint32_t field, const std::string& payload) {
  return tag(field, 2) + varint(payload.size()) + payload;
}
std::string varint_field(uint32_t field, uint64_t v) { return tag(field, 0) + varint(v); }
std::string float_field(uint32_t field, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  std::string out = tag(field, 5);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  return out;
}
std::string piece(const std::string& text, float score, int type) {
  return len_field(1, len_field(1, text) + float_field(2, score) + varint_field(3, static_cast<uint64_t>(type)));
}

SentencePieceModel parse(const std::string& image) {
  return parse_sentencepiece_model(std::as_bytes(std::span<const char>(image.data(), image.size())), "test.model");
}

// The error's message for a malformed image (fails the test when it parses).
std::string error_of(const std::string& image) {
  try {
    parse(image);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "parsed without an error";
  return {};
}

const std::string kUnk = piece("<unk>", 0.0f, 2);

}  // namespace

TEST(SentencePieceModel, ReadsBpeModelWithByteFallback) {
  const auto m = read_sentencepiece_model((kFixtures / "llama-spm-bpe/tokenizer.model").string());
  EXPECT_EQ(m.model_type, SentencePieceModelType::Bpe);
  EXPECT_STREQ(sentencepiece_model_type_name(m.model_type), "bpe");
  EXPECT_TRUE(m.byte_fallback);
  ASSERT_EQ(m.pieces.size(), 1200u);
  EXPECT_EQ(m.pieces[0].piece, "<unk>");
  EXPECT_EQ(m.pieces[0].type, SentencePieceType::Unknown);
  EXPECT_EQ(m.pieces[1].piece, "<s>");
  EXPECT_EQ(m.pieces[1].type, SentencePieceType::Control);
  EXPECT_EQ(m.pieces[3].piece, "<sep>");
  EXPECT_EQ(m.pieces[3].type, SentencePieceType::UserDefined);
  EXPECT_EQ(m.pieces[4].piece, "<0x00>");
  EXPECT_EQ(m.pieces[259].piece, "<0xFF>");
  EXPECT_EQ(m.pieces[259].type, SentencePieceType::Byte);
  EXPECT_EQ(m.pieces[260].piece, "\xe2\x96\x81t");
  EXPECT_EQ(m.pieces[261].piece, "in");
  EXPECT_EQ(m.pieces[261].score, -1.0f);
  EXPECT_EQ(m.pieces[1199].piece, "\xea\xb1\xb0");
  EXPECT_EQ(m.pieces[1199].score, -939.0f);
  EXPECT_EQ(m.pieces[1199].type, SentencePieceType::Normal);
  EXPECT_EQ(m.unk_id, 0);
  EXPECT_EQ(m.bos_id, 1);
  EXPECT_EQ(m.eos_id, 2);
  EXPECT_EQ(m.pad_id, -1);  // written as a 10-byte varint
  EXPECT_EQ(m.normalizer_name, "identity");
  EXPECT_TRUE(m.add_dummy_prefix);
  EXPECT_FALSE(m.remove_extra_whitespaces);
}

TEST(SentencePieceModel, ReadsUnigramModel) {
  const auto m = read_sentencepiece_model((kFixtures / "llama-spm-unigram/tokenizer.model").string());
  EXPECT_EQ(m.model_type, SentencePieceModelType::Unigram);
  EXPECT_FALSE(m.byte_fallback);
  ASSERT_EQ(m.pieces.size(), 900u);
  EXPECT_EQ(m.pieces[3].piece, "<ctrl1>");
  EXPECT_EQ(m.pieces[3].type, SentencePieceType::Control);
  EXPECT_EQ(m.pieces[6].piece, "@@");
  EXPECT_EQ(m.pieces[6].type, SentencePieceType::UserDefined);
  EXPECT_EQ(m.pieces[7].piece, "\xe2\x96\x81");
  EXPECT_FLOAT_EQ(m.pieces[7].score, -1.6028462648391724f);
  EXPECT_EQ(m.pieces[899].piece, "\xf0\x9f\x98\x80");
  EXPECT_FLOAT_EQ(m.pieces[899].score, -12.037651062011719f);
}

TEST(SentencePieceModel, ReadsGemmaIds) {
  const auto m = read_sentencepiece_model((kFixtures / "gemma-spm/tokenizer.model").string());
  EXPECT_EQ(m.pad_id, 0);
  EXPECT_EQ(m.eos_id, 1);
  EXPECT_EQ(m.bos_id, 2);
  EXPECT_EQ(m.unk_id, 3);
  EXPECT_EQ(m.pieces[0].piece, "<pad>");
  EXPECT_EQ(m.pieces[0].type, SentencePieceType::Control);
  EXPECT_EQ(m.pieces[3].type, SentencePieceType::Unknown);
}

TEST(SentencePieceModel, DefaultsUnknownFieldsAndMerging) {
  // Fields left out keep the proto's defaults; fields of every wire type hfcpp does not use are
  // skipped; a second trainer_spec merges into the first.
  std::string image = kUnk + len_field(1, len_field(1, "a")) + piece("b", -2.5f, 4);
  image += varint_field(99, 12345) + tag(98, 1) + std::string(8, '\x7f') + len_field(97, "junk") + float_field(96, 1.0f);
  image += len_field(2, varint_field(3, 2) + varint_field(40, 0) + len_field(2, "prefix"));
  image += len_field(2, varint_field(35, 1) + varint_field(43, static_cast<uint64_t>(int64_t{-1})));
  image += len_field(3, len_field(1, "nmt_nfkc") + len_field(2, std::string(40, 'x')) + varint_field(3, 0));
  const auto m = parse(image);
  ASSERT_EQ(m.pieces.size(), 3u);
  EXPECT_EQ(m.pieces[1].piece, "a");
  EXPECT_EQ(m.pieces[1].score, 0.0f);
  EXPECT_EQ(m.pieces[1].type, SentencePieceType::Normal);
  EXPECT_EQ(m.pieces[2].score, -2.5f);
  EXPECT_EQ(m.pieces[2].type, SentencePieceType::UserDefined);
  EXPECT_EQ(m.model_type, SentencePieceModelType::Bpe);
  EXPECT_TRUE(m.byte_fallback);
  EXPECT_EQ(m.pad_id, -1);
  EXPECT_EQ(m.trainer_vocab_size, 8000);
  EXPECT_EQ(m.normalizer_name, "nmt_nfkc");
  EXPECT_EQ(m.precompiled_charsmap_bytes, 40u);
  EXPECT_FALSE(m.add_dummy_prefix);
  EXPECT_TRUE(m.remove_extra_whitespaces);
  // A model without trainer_spec is a Unigram model.
  EXPECT_EQ(parse(kUnk).model_type, SentencePieceModelType::Unigram);
}

TEST(SentencePieceModel, EveryTruncationIsAnError) {
  const std::string image = kUnk + piece("hello", -1.0f, 1) + len_field(2, varint_field(3, 2) + varint_field(43, ~0ull)) +
                            len_field(3, len_field(1, "identity"));
  ASSERT_NO_THROW(parse(image));
  for (size_t n = 1; n < image.size(); ++n) {
    try {
      parse(image.substr(0, n));
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Format);
      continue;
    }
    // A cut exactly between top-level fields leaves a valid, shorter model.
    EXPECT_TRUE(n == kUnk.size() || n == kUnk.size() + piece("hello", -1.0f, 1).size() ||
                n == image.size() - len_field(3, len_field(1, "identity")).size())
        << "prefix of " << n << " bytes parsed";
  }
  EXPECT_NE(error_of("").find("no pieces"), std::string::npos);
}

TEST(SentencePieceModel, MalformedInputNamesTheOffset) {
  // pieces as a varint
  auto msg = error_of(varint_field(1, 5));
  EXPECT_NE(msg.find("ModelProto.pieces (field 1) at byte 0 has wire type 0 (varint), expected 2"), std::string::npos)
      << msg;
  // a length past the end
  msg = error_of(kUnk + tag(1, 2) + varint(1000) + "ab");
  EXPECT_NE(msg.find("has length 1000, but only 2 bytes are left"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at byte " + std::to_string(kUnk.size() + 1)), std::string::npos) << msg;
  // an absurd 64-bit length
  msg = error_of(tag(1, 2) + varint(~0ull));
  EXPECT_NE(msg.find("has length 18446744073709551615"), std::string::npos) << msg;
  // a varint that never ends
  msg = error_of(kUnk + tag(99, 0) + std::string(11, '\xff'));
  EXPECT_NE(msg.find("longer than 10 bytes"), std::string::npos) << msg;
  // field number 0 and groups
  EXPECT_NE(error_of(kUnk + varint(0)).find("field number 0"), std::string::npos);
  EXPECT_NE(error_of(kUnk + tag(50, 3)).find("wire type 3 (start-group)"), std::string::npos);
  EXPECT_NE(error_of(kUnk + tag(50, 7)).find("wire type 7 (invalid)"), std::string::npos);
  // score as a varint, inside a piece: the offset is the file's
  msg = error_of(kUnk + len_field(1, len_field(1, "x") + varint_field(2, 1)));
  EXPECT_NE(msg.find("SentencePiece.score (field 2) at byte " + std::to_string(kUnk.size() + 2 + 3)),
            std::string::npos)
      << msg;
  // a truncated fixed32 score
  EXPECT_NE(error_of(kUnk + len_field(1, tag(2, 5) + "ab")).find("2 bytes left, expected 4"), std::string::npos);
  // enum values outside the proto's
  EXPECT_NE(error_of(kUnk + piece("x", 0, 9)).find("has type 9, expected 1..6"), std::string::npos);
  EXPECT_NE(error_of(kUnk + len_field(2, varint_field(3, 7))).find("model_type at byte"), std::string::npos);
}

TEST(SentencePieceModel, RefusesWhatSentencePieceProcessorRefuses) {
  EXPECT_NE(error_of(kUnk + piece("", 0, 1)).find("piece 1 is empty"), std::string::npos);
  EXPECT_NE(error_of(kUnk + piece("a", 0, 1) + piece("a", 0, 1)).find("piece 2 'a' is already defined"),
            std::string::npos);
  EXPECT_NE(error_of(kUnk + piece("<unk2>", 0, 2)).find("second unknown piece"), std::string::npos);
  EXPECT_NE(error_of(kUnk + piece("<0x00>", 0, 6)).find("byte_fallback is false"), std::string::npos);
  EXPECT_NO_THROW(parse(kUnk + piece("<0x00>", 0, 6) + len_field(2, varint_field(35, 1))));
  EXPECT_NO_THROW(parse(piece("a", 0, 1)));  // no unknown piece: accepted, as sentencepiece 0.2 does
}

TEST(SentencePieceModel, MissingFileIsAnIoError) {
  try {
    read_sentencepiece_model((kFixtures / "no-such/tokenizer.model").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Io);
    EXPECT_NE(std::string(e.what()).find("no-such/tokenizer.model"), std::string::npos);
  }
}
