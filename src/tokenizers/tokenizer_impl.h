// Tokenizer::Impl: the loaded pipeline (shared by tokenizer.cpp and loader.cpp).
#pragma once

#include <optional>

#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/added_vocabulary.h"
#include "tokenizers/bert_fast_path.h"
#include "tokenizers/registry.h"

namespace hfcpp::tokenizers {

struct Tokenizer::Impl {
  NormalizerPtr normalizer;
  PreTokenizerPtr pre_tokenizer;
  ModelPtr model;
  PostProcessorPtr post_processor;
  DecoderPtr decoder;
  AddedVocabulary added;
  std::optional<TruncationParams> truncation;
  std::optional<PaddingParams> padding;
  std::unique_ptr<BertFastPath> bert_fast;  // set when the pipeline is BERT's (see bert_fast_path.h)
  bool fast_paths = true;                   // false: always the general path (for differential tests)

  Encoding encode_single(std::string_view text, uint32_t type_id) const;
  // encode_single's path for GPT-2-style ByteLevel pipelines (see tokenizer.cpp).
  Encoding encode_byte_level_words(std::string_view text, PreTokenizedString& pts, uint32_t type_id,
                                   const std::optional<EarlyStop>& stop) const;
  Encoding post_process(Encoding enc, std::optional<Encoding> pair, bool add_special) const;
};

// Parses the "truncation" / "padding" objects of tokenizer.json (null -> nullopt).
std::optional<TruncationParams> parse_truncation(const Json& j, const std::string& path);
std::optional<PaddingParams> parse_padding(const Json& j, const std::string& path);
// The pipeline of a parsed tokenizer.json value; source names it in errors.
std::unique_ptr<Tokenizer::Impl> build_tokenizer_impl(const Json& root, std::string_view source);

}  // namespace hfcpp::tokenizers
