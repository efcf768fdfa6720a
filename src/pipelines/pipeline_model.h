// Shared by the task pipelines (internal): an encoder with its tokenizer and the tokenizer
// settings transformers reads from tokenizer_config.json (model_max_length, special tokens, which
// inputs the model takes), plus the small numeric helpers every postprocess uses.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/models/auto_model.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::tokenizers {
class Decoder;
}

namespace hfcpp::pipelines::detail {

class PipelineModel {
 public:
  static PipelineModel load(const std::string& path_or_repo_id, const models::LoadOptions& options,
                            models::EncoderTask task, const char* pipeline_name);

  const models::EncoderModel& model() const { return *model_; }
  const tokenizers::Tokenizer& tokenizer() const { return *tokenizer_; }
  const std::string& folder() const { return folder_; }
  // tokenizer_config.json's model_max_length; 0 when absent or "unlimited" (transformers' 1e30).
  int64_t model_max_length() const { return model_max_length_; }
  std::optional<uint32_t> special_id(const char* name) const;  // "mask_token", "unk_token", ...
  std::string special_token(const char* name) const;
  // The tokenizer model's continuing_subword_prefix ("##" for WordPiece), empty when it has none.
  const std::string& subword_prefix() const { return subword_prefix_; }

  // Encodes without padding; truncation (longest-first unless given) to max_length when > 0.
  tokenizers::Encoding encode(std::string_view text, size_t max_length) const;
  tokenizers::Encoding encode_pair(std::string_view a, std::string_view b,
                                   std::optional<tokenizers::TruncationParams> truncation) const;
  // One forward pass over one encoding (batch of 1), feeding token_type_ids only when the
  // model takes them (as the reference tokenizer's model_input_names says).
  models::EncoderOutput forward(const tokenizers::Encoding& encoding) const;
  // The tokenizer's convert_tokens_to_string: the decoder applied to tokens. A token that is not
  // in the vocabulary (an [UNK] replaced by its text) is passed through as text.
  std::string tokens_to_string(const std::vector<std::string>& tokens) const;
  // transformers' tokenizer.decode: the tokenizer's decode, then clean_up_tokenization when
  // tokenizer_config.json's clean_up_tokenization_spaces is true.
  std::string decode(std::span<const uint32_t> ids, bool skip_special_tokens) const;

 private:
  std::string folder_;
  std::shared_ptr<const models::EncoderModel> model_;
  std::shared_ptr<tokenizers::Tokenizer> tokenizer_;
  core::Json tokenizer_config_;
  int64_t model_max_length_ = 0;
  bool feeds_token_type_ids_ = true;
  bool clean_up_spaces_ = false;
  std::string subword_prefix_;
  // tokenizer.json's decoder, for convert_tokens_to_string on arbitrary token texts.
  std::shared_ptr<const tokenizers::Decoder> decoder_;
};

std::vector<double> softmax(const float* logits, size_t n);
double sigmoid(double x);

// Code-point helpers: encodings report offsets in Unicode code points, as Python does.
std::vector<size_t> code_point_starts(std::string_view utf8);  // byte offset of each code point, + size
std::string substr_code_points(std::string_view utf8, const std::vector<size_t>& starts, size_t begin,
                               size_t end);

}  // namespace hfcpp::pipelines::detail
