// SentencePiece model files (tokenizer.model): the serialized sentencepiece.ModelProto that
// SentencePieceProcessor loads. hfcpp reads the parts a GGUF conversion needs (every piece with its
// score and type, the trainer's model type and special ids, the normalizer flags) and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hfcpp::formats {

// ModelProto.SentencePiece.Type; the values are the file's (and gguf.TokenType's).
enum class SentencePieceType : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

// TrainerSpec.ModelType.
enum class SentencePieceModelType : int32_t { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

struct SentencePiece {
  std::string piece;
  float score = 0.0f;
  SentencePieceType type = SentencePieceType::Normal;
};

// Fields absent from the file keep the defaults sentencepiece_model.proto declares.
struct SentencePieceModel {
  std::vector<SentencePiece> pieces;  // index = token id
  // trainer_spec
  SentencePieceModelType model_type = SentencePieceModelType::Unigram;
  int32_t trainer_vocab_size = 8000;
  bool byte_fallback = false;
  int32_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  // normalizer_spec
  std::string normalizer_name;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
  size_t precompiled_charsmap_bytes = 0;
};

const char* sentencepiece_model_type_name(SentencePieceModelType type);  // "unigram", "bpe", ...

// Parses a tokenizer.model image. Malformed input (truncated fields, wrong wire types, lengths past
// the end, unknown piece types, no pieces, empty or repeated pieces, two unknown pieces, byte pieces
// without byte_fallback) throws hfcpp::Error (Format) naming `source` and the byte
// offset; it never crashes.
SentencePieceModel parse_sentencepiece_model(std::span<const std::byte> bytes, std::string_view source = "tokenizer.model");

// Reads and parses a file (Io error when it cannot be read).
SentencePieceModel read_sentencepiece_model(const std::string& path);

}  // namespace hfcpp::formats
