#include "tokenizers/registry.h"

#include <utility>

#include "hfcpp/core/error.h"

namespace hfcpp::tokenizers {

namespace {
template <class Ptr>
using Factory = Ptr (*)(const Json&, const std::string&);

template <class Ptr, size_t N>
Ptr dispatch(const Json& j, const std::string& path, const char* kind,
             const std::pair<const char*, Factory<Ptr>> (&table)[N]) {
  if (j.is_null()) return nullptr;
  HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[tokenizers] {}: {} is {}, expected an object",
              path, kind, core::json_type_name(j));
  std::string type = str_field(j, "type", path);
  for (const auto& [name, make] : table)
    if (type == name) return make(j, path);
  std::string known;
  for (const auto& [name, make] : table) known += std::string(known.empty() ? "" : ", ") + name;
  HFCPP_THROW(ErrorCode::Format, "[tokenizers] {}.type: unknown {} '{}', expected one of {}", path,
              kind, type, known);
}
}  // namespace

NormalizerPtr make_normalizer(const Json& j, const std::string& path) {
  static const std::pair<const char*, Factory<NormalizerPtr>> table[] = {
      {"NFC", make_nfc},
      {"NFD", make_nfd},
      {"NFKC", make_nfkc},
      {"NFKD", make_nfkd},
      {"Lowercase", make_lowercase},
      {"Strip", make_strip},
      {"StripAccents", make_strip_accents},
      {"Replace", make_replace},
      {"Prepend", make_prepend},
      {"BertNormalizer", make_bert_normalizer},
      {"Precompiled", make_precompiled},
      {"ByteLevel", make_byte_level_normalizer},
      {"Sequence", make_normalizer_sequence},
  };
  return dispatch(j, path, "normalizer", table);
}

PreTokenizerPtr make_pre_tokenizer(const Json& j, const std::string& path) {
  static const std::pair<const char*, Factory<PreTokenizerPtr>> table[] = {
      {"ByteLevel", make_byte_level_pre_tokenizer},
      {"Whitespace", make_whitespace},
      {"WhitespaceSplit", make_whitespace_split},
      {"BertPreTokenizer", make_bert_pre_tokenizer},
      {"Metaspace", make_metaspace},
      {"Split", make_split},
      {"Punctuation", make_punctuation},
      {"Digits", make_digits},
      {"UnicodeScripts", make_unicode_scripts},
      {"Sequence", make_pre_tokenizer_sequence},
  };
  return dispatch(j, path, "pre-tokenizer", table);
}

ModelPtr make_model(const Json& j, const std::string& path) {
  static const std::pair<const char*, Factory<ModelPtr>> table[] = {
      {"BPE", make_bpe},
      {"WordPiece", make_wordpiece},
      {"Unigram", make_unigram},
      {"WordLevel", make_wordlevel},
  };
  HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[tokenizers] {}: model is {}, expected an object",
              path, core::json_type_name(j));
  if (!j.contains("type")) {
    // Legacy files omit the model type; the reference infers it from the fields present.
    if (j.contains("merges")) return make_bpe(j, path);
    if (j.contains("max_input_chars_per_word") || j.contains("continuing_subword_prefix"))
      return make_wordpiece(j, path);
    if (j.contains("vocab") && j["vocab"].is_array()) return make_unigram(j, path);
    if (j.contains("vocab")) return make_wordlevel(j, path);
    HFCPP_THROW(ErrorCode::Format, "[tokenizers] {}: model has no 'type' and no 'vocab'", path);
  }
  return dispatch(j, path, "model", table);
}

PostProcessorPtr make_post_processor(const Json& j, const std::string& path) {
  static const std::pair<const char*, Factory<PostProcessorPtr>> table[] = {
      {"TemplateProcessing", make_template_processing},
      {"BertProcessing", make_bert_processing},
      {"RobertaProcessing", make_roberta_processing},
      {"ByteLevel", make_byte_level_processor},
      {"Sequence", make_processor_sequence},
  };
  return dispatch(j, path, "post-processor", table);
}

DecoderPtr make_decoder(const Json& j, const std::string& path) {
  static const std::pair<const char*, Factory<DecoderPtr>> table[] = {
      {"ByteLevel", make_byte_level_decoder},
      {"WordPiece", make_wordpiece_decoder},
      {"Metaspace", make_metaspace_decoder},
      {"BPEDecoder", make_bpe_decoder},
      {"ByteFallback", make_byte_fallback_decoder},
      {"Fuse", make_fuse_decoder},
      {"Strip", make_strip_decoder},
      {"Replace", make_replace_decoder},
      {"CTC", make_ctc_decoder},
      {"Sequence", make_decoder_sequence},
  };
  return dispatch(j, path, "decoder", table);
}

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string index_path(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const Json& field(const Json& obj, const char* key, const std::string& path) {
  HFCPP_CHECK(obj.is_object(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an object",
              path, core::json_type_name(obj));
  auto it = obj.find(key);
  HFCPP_CHECK(it != obj.end(), ErrorCode::Format, "[tokenizers] {}: missing field",
              join_path(path, key));
  return *it;
}

std::string str_field(const Json& obj, const char* key, const std::string& path) {
  const Json& v = field(obj, key, path);
  HFCPP_CHECK(v.is_string(), ErrorCode::Format, "[tokenizers] {}: is {}, expected a string",
              join_path(path, key), core::json_type_name(v));
  return v.get<std::string>();
}

std::string str_field_or(const Json& obj, const char* key, std::string fallback,
                         const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  HFCPP_CHECK(it->is_string(), ErrorCode::Format, "[tokenizers] {}: is {}, expected a string",
              join_path(path, key), core::json_type_name(*it));
  return it->get<std::string>();
}

bool bool_field_or(const Json& obj, const char* key, bool fallback, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  HFCPP_CHECK(it->is_boolean(), ErrorCode::Format, "[tokenizers] {}: is {}, expected a boolean",
              join_path(path, key), core::json_type_name(*it));
  return it->get<bool>();
}

int64_t int_field(const Json& obj, const char* key, const std::string& path) {
  const Json& v = field(obj, key, path);
  HFCPP_CHECK(v.is_number_integer(), ErrorCode::Format,
              "[tokenizers] {}: is {}, expected an integer", join_path(path, key),
              core::json_type_name(v));
  return v.get<int64_t>();
}

int64_t int_field_or(const Json& obj, const char* key, int64_t fallback, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  HFCPP_CHECK(it->is_number_integer(), ErrorCode::Format,
              "[tokenizers] {}: is {}, expected an integer", join_path(path, key),
              core::json_type_name(*it));
  return it->get<int64_t>();
}

const Json& array_field(const Json& obj, const char* key, const std::string& path) {
  const Json& v = field(obj, key, path);
  HFCPP_CHECK(v.is_array(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an array",
              join_path(path, key), core::json_type_name(v));
  return v;
}

}  // namespace hfcpp::tokenizers
