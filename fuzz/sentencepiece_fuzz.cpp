// libFuzzer target for the tokenizer.model (SentencePiece ModelProto) reader: the input is a whole
// file image. Any input must either parse or throw hfcpp::Error; crashes, hangs, sanitizer reports
// and other exception types are bugs. A parsed model must keep the reader's promises (pieces
// non-empty, unique, known types, at most one unknown piece, byte pieces only with byte_fallback).
// Seeds: fuzz/corpus/sentencepiece (scripts/golden/make_spm_fixtures.py). Run:
//   build/fuzz/bin/sentencepiece_fuzz fuzz/corpus/sentencepiece -max_total_time=300
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string_view>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/sentencepiece_model.h"

using namespace hfcpp::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SentencePieceModel m;
  try {
    m = parse_sentencepiece_model(std::as_bytes(std::span<const uint8_t>(data, size)), "fuzz.model");
  } catch (const hfcpp::Error&) {
    return 0;
  }
  if (m.pieces.empty()) __builtin_trap();
  std::set<std::string_view> seen;
  int unknown = 0;
  size_t bytes = 0;
  for (const auto& p : m.pieces) {
    if (p.piece.empty() || !seen.insert(p.piece).second) __builtin_trap();
    const auto type = static_cast<int32_t>(p.type);
    if (type < 1 || type > 6) __builtin_trap();
    unknown += p.type == SentencePieceType::Unknown;
    if (p.type == SentencePieceType::Byte && !m.byte_fallback) __builtin_trap();
    bytes += p.piece.size();
  }
  if (unknown > 1 || bytes > size) __builtin_trap();
  const auto model_type = static_cast<int32_t>(m.model_type);
  if (model_type < 1 || model_type > 4) __builtin_trap();
  return 0;
}
