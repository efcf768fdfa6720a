// tokenizer.ggml.* from a SentencePiece tokenizer.model, as convert_hf_to_gguf.py builds them
// (TextModel._create_vocab_sentencepiece, and Phi3MiniModel.set_vocab's own variant): every piece
// with its score and type, then added_tokens.json and tokenizer_config.json's added_tokens_decoder
// on top, [PAD<i>] rows up to config.json's vocab_size.
#include <filesystem>
#include <iterator>

#include <fmt/format.h>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"
#include "hfcpp/formats/sentencepiece_model.h"

namespace hfcpp::convert {

using formats::GgufValue;
using formats::GgufValueType;
using formats::SentencePieceType;

namespace {

namespace fs = std::filesystem;

// gguf.TokenType (SentencePieceTokenTypes): the same numbers as the file's piece types.
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;

  void set(size_t id, std::string token, float score, int32_t type) {
    tokens[id] = std::move(token);
    scores[id] = score;
    types[id] = type;
  }
};

// SentencePieceProcessor's IsUnknown / IsControl / IsUnused / IsByte, in the reference's order;
// user-defined pieces are NORMAL there.
int32_t type_of(SentencePieceType t) {
  switch (t) {
    case SentencePieceType::Unknown: return kUnknown;
    case SentencePieceType::Control: return kControl;
    case SentencePieceType::Unused: return kUnused;
    case SentencePieceType::Byte: return kByte;
    default: return kNormal;
  }
}

// str.replace("\u2581", " ") (built by appending; in-place replace trips a GCC 12 -Wrestrict false positive).
std::string spaces_for_meta_space(std::string_view s) {
  constexpr std::string_view kMetaSpace = "\xe2\x96\x81";
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0;;) {
    const size_t hit = s.find(kMetaSpace, pos);
    out.append(s.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos));
    if (hit == std::string_view::npos) return out;
    out += ' ';
    pos = hit + kMetaSpace.size();
  }
}

// A JSON integer id (added_tokens.json value, added_tokens_decoder key, added_tokens[].id).
int64_t parse_id(const std::string& text, const std::string& where) {
  size_t used = 0;
  int64_t id = -1;
  try {
    id = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  HFCPP_CHECK(used == text.size() && !text.empty(), ErrorCode::Format, "[convert] {}: token id '{}' is not an integer",
              where, text);
  return id;
}

int64_t json_id(const core::Json& v, const std::string& where) {
  HFCPP_CHECK(v.is_number_integer(), ErrorCode::Format, "[convert] {}: token id {} is not an integer", where, v.dump());
  return v.get<int64_t>();
}

// Phi3MiniModel indexes its lists without a range check (Python raises IndexError, a negative id
// counts from the end); hfcpp refuses such ids instead.
size_t checked_index(int64_t id, size_t n, const std::string& where) {
  HFCPP_CHECK(id >= 0 && static_cast<uint64_t>(id) < n, ErrorCode::Format,
              "[convert] {}: token id {} is out of range, expected 0..{} (config.json vocab_size)", where, id, n - 1);
  return static_cast<size_t>(id);
}

}  // namespace

void write_sentencepiece_vocab(formats::GgufWriter& w, const std::string& folder_path, const core::Json& config,
                               bool phi3) {
  const fs::path folder(folder_path);
  const formats::SentencePieceModel model = formats::read_sentencepiece_model((folder / "tokenizer.model").string());
  const size_t n_pieces = model.pieces.size();

  // vocab_size: _create_vocab_sentencepiece takes vocab_size_per_layer_input or vocab_size when
  // truthy; Phi3 takes vocab_size when present.
  size_t vocab_size = n_pieces;
  static constexpr const char* kVocabKeys[] = {"vocab_size_per_layer_input", "vocab_size"};
  for (size_t k = phi3 ? 1 : 0; k < std::size(kVocabKeys); ++k) {
    const char* key = kVocabKeys[k];
    if (!config.contains(key)) continue;
    const core::Json& v = config[key];
    if (phi3 || !v.is_null()) {
      HFCPP_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0, ErrorCode::Format,
                  "[convert] config.json {} is {}, expected a non-negative integer", key, v.dump());
      if (phi3 || v.get<int64_t>() > 0) vocab_size = static_cast<size_t>(v.get<int64_t>());
      break;
    }
  }
  HFCPP_CHECK(vocab_size > 0, ErrorCode::Format, "[convert] config.json vocab_size is 0");
  HFCPP_CHECK(!phi3 || n_pieces <= vocab_size, ErrorCode::Format,
              "[convert] tokenizer.model has {} pieces, more than config.json vocab_size {}", n_pieces, vocab_size);

  Vocab v{std::vector<std::string>(vocab_size), std::vector<float>(vocab_size, -10000.0f),
          std::vector<int32_t>(vocab_size, kUnused)};
  for (size_t i = 0; i < vocab_size; ++i) v.tokens[i] = fmt::format("[PAD{}]", i);
  for (size_t i = 0; i < n_pieces && i < vocab_size; ++i) {  // pieces past vocab_size are dropped
    const auto& p = model.pieces[i];
    v.set(i, p.piece, p.score, type_of(p.type));
  }

  if (auto added = read_optional_json_file((folder / "added_tokens.json").string())) {
    HFCPP_CHECK(added->is_object(), ErrorCode::Format, "[convert] added_tokens.json is not an object");
    for (const auto& [token, id_json] : added->items()) {
      const int64_t id = json_id(id_json, "added_tokens.json");
      if (id < 0 || static_cast<uint64_t>(id) >= vocab_size) continue;  // skipped, as the reference does
      v.set(static_cast<size_t>(id), token, -1000.0f, kUserDefined);
    }
  }

  // added_tokens_decoder (tokenizer_config.json), then for Phi3 tokenizer.json's added_tokens.
  auto apply_added = [&](const std::string& id_text, const core::Json& data, const std::string& where) {
    HFCPP_CHECK(data.is_object() && data.contains("content") && data["content"].is_string(), ErrorCode::Format,
                "[convert] {}: entry {} has no string content", where, id_text);
    const int64_t id = parse_id(id_text, where);
    std::string token = data["content"].get<std::string>();
    const bool special = data.contains("special") && data["special"].is_boolean() && data["special"].get<bool>();
    if (phi3) {
      v.set(checked_index(id, vocab_size, where), std::move(token), -1000.0f, special ? kControl : kUserDefined);
      return;
    }
    if (id < 0 || static_cast<uint64_t>(id) >= vocab_size) return;  // skipped with a warning
    int32_t type = kUserDefined;
    if (special || does_token_look_special(token)) type = kControl;
    else token = spaces_for_meta_space(token);  // pre-normalized user-defined spaces
    v.set(static_cast<size_t>(id), std::move(token), -1000.0f, type);
  };
  if (auto tc = read_optional_json_file((folder / "tokenizer_config.json").string())) {
    if (tc->contains("added_tokens_decoder") && !(*tc)["added_tokens_decoder"].is_null()) {
      const core::Json& decoder = (*tc)["added_tokens_decoder"];
      HFCPP_CHECK(decoder.is_object(), ErrorCode::Format, "[convert] tokenizer_config.json added_tokens_decoder is a {}, expected an object",
                  core::json_type_name(decoder));
      for (const auto& [id_text, data] : decoder.items())
        apply_added(id_text, data, "tokenizer_config.json added_tokens_decoder");
    }
    // Phi3MiniModel reads tokenizer_class unconditionally (a KeyError there when absent).
    HFCPP_CHECK(!phi3 || tc->contains("tokenizer_class"), ErrorCode::Format,
                "[convert] tokenizer_config.json has no tokenizer_class, which phi3 conversion reads");
  }
  if (phi3)
    if (auto tj = read_optional_json_file((folder / "tokenizer.json").string());
        tj && tj->contains("added_tokens") && (*tj)["added_tokens"].is_array())
      for (const auto& t : (*tj)["added_tokens"]) {
        HFCPP_CHECK(t.is_object() && t.contains("id"), ErrorCode::Format, "[convert] tokenizer.json added_tokens entry has no id");
        apply_added(std::to_string(json_id(t["id"], "tokenizer.json added_tokens")), t, "tokenizer.json added_tokens");
      }

  std::vector<GgufValue> scores, types;
  scores.reserve(vocab_size);
  types.reserve(vocab_size);
  for (size_t i = 0; i < vocab_size; ++i) {
    scores.push_back(GgufValue::f32(v.scores[i]));
    types.push_back(GgufValue::i32(v.types[i]));
  }
  w.set("tokenizer.ggml.model", GgufValue::string("llama"));
  w.set("tokenizer.ggml.pre", GgufValue::string("default"));
  w.set("tokenizer.ggml.tokens", GgufValue::string_array(v.tokens));
  w.set("tokenizer.ggml.scores", GgufValue::array(GgufValueType::F32, std::move(scores)));
  w.set("tokenizer.ggml.token_type", GgufValue::array(GgufValueType::I32, std::move(types)));
  write_special_vocab(w, folder_path, vocab_size);
}

}  // namespace hfcpp::convert
