// Factories from tokenizer.json objects. registry.cpp maps each "type" to one make_* function
// (one line per component); each make_* lives beside its component. `path` is the JSON path of
// the object, used in every error message.
#pragma once

#include <memory>
#include <string>

#include "hfcpp/core/json.h"
#include "tokenizers/components.h"

namespace hfcpp::tokenizers {

using core::Json;
using NormalizerPtr = std::unique_ptr<Normalizer>;
using PreTokenizerPtr = std::unique_ptr<PreTokenizer>;
using ModelPtr = std::unique_ptr<Model>;
using PostProcessorPtr = std::unique_ptr<PostProcessor>;
using DecoderPtr = std::unique_ptr<Decoder>;

// Dispatch on "type"; a null value gives nullptr. Unknown types list the supported ones.
NormalizerPtr make_normalizer(const Json& j, const std::string& path);
PreTokenizerPtr make_pre_tokenizer(const Json& j, const std::string& path);
ModelPtr make_model(const Json& j, const std::string& path);
PostProcessorPtr make_post_processor(const Json& j, const std::string& path);
DecoderPtr make_decoder(const Json& j, const std::string& path);

// Normalizers
NormalizerPtr make_nfc(const Json&, const std::string&);
NormalizerPtr make_nfd(const Json&, const std::string&);
NormalizerPtr make_nfkc(const Json&, const std::string&);
NormalizerPtr make_nfkd(const Json&, const std::string&);
NormalizerPtr make_lowercase(const Json&, const std::string&);
NormalizerPtr make_strip(const Json&, const std::string&);
NormalizerPtr make_strip_accents(const Json&, const std::string&);
NormalizerPtr make_replace(const Json&, const std::string&);
NormalizerPtr make_prepend(const Json&, const std::string&);
NormalizerPtr make_bert_normalizer(const Json&, const std::string&);
NormalizerPtr make_precompiled(const Json&, const std::string&);
NormalizerPtr make_byte_level_normalizer(const Json&, const std::string&);
NormalizerPtr make_normalizer_sequence(const Json&, const std::string&);
// Pre-tokenizers
PreTokenizerPtr make_byte_level_pre_tokenizer(const Json&, const std::string&);
PreTokenizerPtr make_whitespace(const Json&, const std::string&);
PreTokenizerPtr make_whitespace_split(const Json&, const std::string&);
PreTokenizerPtr make_bert_pre_tokenizer(const Json&, const std::string&);
PreTokenizerPtr make_metaspace(const Json&, const std::string&);
PreTokenizerPtr make_split(const Json&, const std::string&);
PreTokenizerPtr make_punctuation(const Json&, const std::string&);
PreTokenizerPtr make_digits(const Json&, const std::string&);
PreTokenizerPtr make_unicode_scripts(const Json&, const std::string&);
PreTokenizerPtr make_pre_tokenizer_sequence(const Json&, const std::string&);
// Models
ModelPtr make_bpe(const Json&, const std::string&);
ModelPtr make_wordpiece(const Json&, const std::string&);
ModelPtr make_unigram(const Json&, const std::string&);
ModelPtr make_wordlevel(const Json&, const std::string&);
// Post-processors
PostProcessorPtr make_template_processing(const Json&, const std::string&);
PostProcessorPtr make_bert_processing(const Json&, const std::string&);
PostProcessorPtr make_roberta_processing(const Json&, const std::string&);
PostProcessorPtr make_byte_level_processor(const Json&, const std::string&);
PostProcessorPtr make_processor_sequence(const Json&, const std::string&);
// Decoders
DecoderPtr make_byte_level_decoder(const Json&, const std::string&);
DecoderPtr make_wordpiece_decoder(const Json&, const std::string&);
DecoderPtr make_metaspace_decoder(const Json&, const std::string&);
DecoderPtr make_bpe_decoder(const Json&, const std::string&);
DecoderPtr make_byte_fallback_decoder(const Json&, const std::string&);
DecoderPtr make_fuse_decoder(const Json&, const std::string&);
DecoderPtr make_strip_decoder(const Json&, const std::string&);
DecoderPtr make_replace_decoder(const Json&, const std::string&);
DecoderPtr make_ctc_decoder(const Json&, const std::string&);
DecoderPtr make_decoder_sequence(const Json&, const std::string&);

// Typed field access with the JSON path in errors ("model.vocab: expected an object").
const Json& field(const Json& obj, const char* key, const std::string& path);
std::string str_field(const Json& obj, const char* key, const std::string& path);
std::string str_field_or(const Json& obj, const char* key, std::string fallback, const std::string& path);
bool bool_field_or(const Json& obj, const char* key, bool fallback, const std::string& path);
int64_t int_field(const Json& obj, const char* key, const std::string& path);
int64_t int_field_or(const Json& obj, const char* key, int64_t fallback, const std::string& path);
const Json& array_field(const Json& obj, const char* key, const std::string& path);
std::string join_path(const std::string& path, std::string_view key);
std::string index_path(const std::string& path, size_t i);

}  // namespace hfcpp::tokenizers
