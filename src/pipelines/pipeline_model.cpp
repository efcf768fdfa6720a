#include "pipeline_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "tokenizers/registry.h"

namespace hfcpp::pipelines::detail {

namespace fs = std::filesystem;
using tensor::DType;
using tensor::Tensor;

namespace {

core::Json read_json_or_empty(const fs::path& p) {
  if (!fs::exists(p)) return core::Json::object();
  return core::parse_json(core::read_file(p.string()), p.string());
}

// A special token entry is a string or an AddedToken object {"content": ...}.
std::string token_content(const core::Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  return {};
}

}  // namespace

PipelineModel PipelineModel::load(const std::string& path_or_repo_id, const models::LoadOptions& options,
                                  models::EncoderTask task, const char* pipeline_name) {
  PipelineModel p;
  p.folder_ = models::resolve_model_folder(path_or_repo_id);
  models::LoadOptions opts = options;
  opts.task = task;
  p.model_ = models::load_encoder(p.folder_, opts);
  p.tokenizer_ = std::make_shared<tokenizers::Tokenizer>(tokenizers::Tokenizer::load(p.folder_));
  p.tokenizer_->set_padding(std::nullopt);
  p.tokenizer_->set_truncation(std::nullopt);
  const fs::path root(p.folder_);
  p.tokenizer_config_ = read_json_or_empty(root / "tokenizer_config.json");
  // special_tokens_map.json fills what tokenizer_config.json lacks, as transformers merges them.
  core::Json special_map = read_json_or_empty(root / "special_tokens_map.json");
  if (special_map.is_object())
    for (auto& [k, v] : special_map.items())
      if (!p.tokenizer_config_.contains(k) || p.tokenizer_config_[k].is_null()) p.tokenizer_config_[k] = v;

  auto mml = p.tokenizer_config_.find("model_max_length");
  if (mml != p.tokenizer_config_.end() && mml->is_number()) {
    double v = mml->get<double>();
    p.model_max_length_ = (v > 0 && v < 1e12) ? static_cast<int64_t>(v) : 0;
  }
  // The model's own limit still applies (a tokenizer without model_max_length would otherwise
  // overflow the position table with long inputs).
  if (p.model_max_length_ == 0 && p.model_->max_positions() > 0) {
    const std::string type = p.model_->config().model_type();
    const int64_t offset = (type == "roberta" || type == "xlm-roberta") ? 2 : 0;  // padding-offset positions
    p.model_max_length_ = p.model_->max_positions() - offset;
  }

  auto names = p.tokenizer_config_.find("model_input_names");
  if (names != p.tokenizer_config_.end() && names->is_array()) {
    p.feeds_token_type_ids_ = false;
    for (const auto& n : *names)
      if (n.is_string() && n.get<std::string>() == "token_type_ids") p.feeds_token_type_ids_ = true;
  } else {
    // transformers' tokenizer classes: BERT's returns token_type_ids, DistilBERT/RoBERTa/XLM-R's do not.
    p.feeds_token_type_ids_ = p.model_->config().model_type() == "bert";
  }

  core::Json tok_json = read_json_or_empty(root / "tokenizer.json");
  if (tok_json.contains("model") && tok_json["model"].is_object()) {
    const auto& m = tok_json["model"];
    auto it = m.find("continuing_subword_prefix");
    if (it != m.end() && it->is_string()) p.subword_prefix_ = it->get<std::string>();
  }
  if (tok_json.contains("decoder") && !tok_json["decoder"].is_null())
    p.decoder_ = tokenizers::make_decoder(tok_json["decoder"], "decoder");
  auto cleanup = p.tokenizer_config_.find("clean_up_tokenization_spaces");
  p.clean_up_spaces_ = cleanup != p.tokenizer_config_.end() && cleanup->is_boolean() && cleanup->get<bool>();
  (void)pipeline_name;
  return p;
}

std::optional<uint32_t> PipelineModel::special_id(const char* name) const {
  std::string content = special_token(name);
  if (content.empty()) return std::nullopt;
  return tokenizer_->token_to_id(content);
}

std::string PipelineModel::special_token(const char* name) const {
  auto it = tokenizer_config_.find(name);
  if (it == tokenizer_config_.end()) return {};
  return token_content(*it);
}

tokenizers::Encoding PipelineModel::encode(std::string_view text, size_t max_length) const {
  if (max_length > 0) {
    tokenizers::TruncationParams t;
    t.max_length = max_length;
    tokenizer_->set_truncation(t);
  } else {
    tokenizer_->set_truncation(std::nullopt);
  }
  auto enc = tokenizer_->encode(text, true);
  tokenizer_->set_truncation(std::nullopt);
  return enc;
}

tokenizers::Encoding PipelineModel::encode_pair(std::string_view a, std::string_view b,
                                                std::optional<tokenizers::TruncationParams> truncation) const {
  tokenizer_->set_truncation(truncation);
  auto enc = tokenizer_->encode_pair(a, b, true);
  tokenizer_->set_truncation(std::nullopt);
  return enc;
}

models::EncoderOutput PipelineModel::forward(const tokenizers::Encoding& enc) const {
  const int64_t n = static_cast<int64_t>(enc.ids.size());
  Tensor ids = Tensor::zeros({1, n}, DType::I64);
  Tensor mask = Tensor::zeros({1, n}, DType::I64);
  Tensor types = Tensor::zeros({1, n}, DType::I64);
  int64_t* pi = ids.mutable_data<int64_t>();
  int64_t* pm = mask.mutable_data<int64_t>();
  int64_t* pt = types.mutable_data<int64_t>();
  for (int64_t t = 0; t < n; ++t) {
    pi[t] = enc.ids[t];
    pm[t] = enc.attention_mask.empty() ? 1 : enc.attention_mask[t];
    pt[t] = (feeds_token_type_ids_ && !enc.type_ids.empty()) ? enc.type_ids[t] : 0;
  }
  models::EncoderBatch batch{ids, mask, types, false};
  return model_->forward(batch);
}

std::string PipelineModel::tokens_to_string(const std::vector<std::string>& tokens) const {
  std::vector<std::string> parts = tokens;
  if (!decoder_) {
    std::string joined;
    for (size_t i = 0; i < parts.size(); ++i) joined += (i ? " " : "") + parts[i];
    return joined;
  }
  decoder_->decode_chain(parts);
  std::string text;
  for (const auto& p : parts) text += p;
  return text;
}

std::string PipelineModel::decode(std::span<const uint32_t> ids, bool skip_special_tokens) const {
  std::string text = tokenizer_->decode(ids, skip_special_tokens);
  if (!clean_up_spaces_) return text;
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    const std::string f(from), t(to);
    std::string out;
    size_t pos = 0;
    for (size_t at; (at = text.find(f, pos)) != std::string::npos; pos = at + f.size()) out += text.substr(pos, at - pos) + t;
    text = out + text.substr(pos);
  }
  return text;
}

std::vector<double> softmax(const float* logits, size_t n) {
  std::vector<double> out(n);
  if (n == 0) return out;
  double m = *std::max_element(logits, logits + n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += out[i] = std::exp(static_cast<double>(logits[i]) - m);
  for (auto& v : out) v /= sum;
  return out;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::vector<size_t> code_point_starts(std::string_view s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  starts.push_back(s.size());
  return starts;
}

std::string substr_code_points(std::string_view s, const std::vector<size_t>& starts, size_t begin, size_t end) {
  const size_t n = starts.size() - 1;
  begin = std::min(begin, n);
  end = std::min(end, n);
  if (end <= begin) return {};
  return std::string(s.substr(starts[begin], starts[end] - starts[begin]));
}

}  // namespace hfcpp::pipelines::detail
