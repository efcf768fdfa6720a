#include "hfcpp/pipelines/question_answering.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "hfcpp/core/error.h"
#include "pipeline_model.h"

namespace hfcpp::pipelines {

namespace {

struct Span {
  size_t start, end;
  double score;
};

std::string lower_ascii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Encoding.word_to_chars(word, sequence_index): the character span of a word's tokens in one
// sequence of the window; nullopt where the reference raises (the token has no word).
std::optional<std::pair<size_t, size_t>> word_chars(const tokenizers::Encoding& enc, const std::vector<int64_t>& seq,
                                                    int64_t word, int64_t sequence) {
  std::optional<size_t> first, last;
  for (size_t t = 0; t < enc.ids.size(); ++t)
    if (seq[t] == sequence && enc.word_ids[t] == word) {
      if (!first) first = t;
      last = t;
    }
  if (!first) return std::nullopt;
  return std::make_pair(enc.offsets[*first].start, enc.offsets[*last].end);
}

}  // namespace

QuestionAnsweringPipeline QuestionAnsweringPipeline::load(const std::string& path, const models::LoadOptions& options) {
  QuestionAnsweringPipeline p;
  p.impl_ = std::make_shared<detail::PipelineModel>(
      detail::PipelineModel::load(path, options, models::EncoderTask::QuestionAnswering, "question-answering"));
  return p;
}

std::vector<Answer> QuestionAnsweringPipeline::operator()(const std::string& question, const std::string& context,
                                                          const QuestionAnsweringOptions& o) const {
  const auto& pm = *impl_;
  HFCPP_CHECK(!question.empty(), ErrorCode::InvalidArgument, "[question-answering] the question is empty");
  HFCPP_CHECK(!context.empty(), ErrorCode::InvalidArgument, "[question-answering] the context is empty");
  HFCPP_CHECK(o.top_k >= 1, ErrorCode::InvalidArgument, "[question-answering] top_k is {}, expected >= 1", o.top_k);
  HFCPP_CHECK(o.max_answer_len >= 1, ErrorCode::InvalidArgument,
              "[question-answering] max_answer_len is {}, expected >= 1", o.max_answer_len);
  const int64_t model_max = pm.model_max_length() > 0 ? pm.model_max_length() : 384;
  const int64_t max_seq_len = o.max_seq_len.value_or(std::min<int64_t>(model_max, 384));
  const int64_t doc_stride = o.doc_stride.value_or(std::min<int64_t>(max_seq_len / 2, 128));
  HFCPP_CHECK(doc_stride <= max_seq_len, ErrorCode::InvalidArgument,
              "[question-answering] doc_stride ({}) is larger than max_seq_len ({})", doc_stride, max_seq_len);
  HFCPP_CHECK(max_seq_len > 0 && doc_stride >= 0, ErrorCode::InvalidArgument,
              "[question-answering] max_seq_len {} / doc_stride {} must be positive", max_seq_len, doc_stride);

  tokenizers::TruncationParams trunc;
  trunc.max_length = static_cast<size_t>(max_seq_len);
  trunc.stride = static_cast<size_t>(doc_stride);
  trunc.strategy = tokenizers::TruncationStrategy::OnlySecond;
  tokenizers::Encoding first = pm.encode_pair(question, context, trunc);
  std::vector<tokenizers::Encoding> windows;
  windows.push_back(first);
  for (const auto& w : first.overflowing) windows.push_back(w);

  const auto cls = pm.special_id("cls_token");
  const auto cp = detail::code_point_starts(context);
  const size_t pre_topk = static_cast<size_t>(o.align_to_words ? o.top_k * 2 + 10 : o.top_k);
  double min_null_score = 1000000.0;
  std::vector<Answer> answers;

  for (const auto& enc : windows) {
    const size_t n = enc.ids.size();
    const std::vector<int64_t> seq = enc.sequence_ids();
    // Tokens that may be part of the answer: the context (sequence 1) and CLS, unmasked by attention.
    std::vector<char> desired(n);
    for (size_t t = 0; t < n; ++t) {
      bool ok = seq[t] == 1 || (cls && enc.ids[t] == *cls);
      if (!enc.attention_mask.empty() && !enc.attention_mask[t]) ok = false;
      desired[t] = ok;
    }
    auto out = pm.forward(enc);
    std::vector<float> start_logits = out.start_logits.to_float_vector();
    std::vector<float> end_logits = out.end_logits.to_float_vector();
    for (size_t t = 0; t < n; ++t)
      if (!desired[t]) start_logits[t] = end_logits[t] = -10000.0f;
    std::vector<double> ps = detail::softmax(start_logits.data(), n);
    std::vector<double> pe = detail::softmax(end_logits.data(), n);
    if (o.handle_impossible_answer) min_null_score = std::min(min_null_score, ps[0] * pe[0]);
    ps[0] = pe[0] = 0.0;

    // decode_spans: candidates with start <= end < start + max_answer_len, best pre_topk.
    std::vector<Span> spans;
    for (size_t s = 0; s < n; ++s)
      for (size_t e = s; e < n && e < s + static_cast<size_t>(o.max_answer_len); ++e)
        spans.push_back({s, e, ps[s] * pe[e]});
    std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.score > b.score; });
    if (spans.size() > pre_topk) spans.resize(pre_topk);
    for (const auto& sp : spans) {
      if (!desired[sp.start] || !desired[sp.end]) continue;
      size_t start_char, end_char;
      std::optional<std::pair<size_t, size_t>> sw, ew;
      if (o.align_to_words && enc.word_ids[sp.start] >= 0 && enc.word_ids[sp.end] >= 0) {
        sw = word_chars(enc, seq, enc.word_ids[sp.start], 1);
        ew = word_chars(enc, seq, enc.word_ids[sp.end], 1);
      }
      if (sw && ew) {
        start_char = sw->first;
        end_char = ew->second;
      } else {
        start_char = enc.offsets[sp.start].start;
        end_char = enc.offsets[sp.end].end;
      }
      std::string text = detail::substr_code_points(context, cp, start_char, end_char);
      const std::string key = lower_ascii(text);
      auto same = std::find_if(answers.begin(), answers.end(), [&](const Answer& a) { return lower_ascii(a.answer) == key; });
      if (same != answers.end()) {
        same->score += sp.score;
      } else {
        answers.push_back({sp.score, static_cast<int64_t>(start_char), static_cast<int64_t>(end_char), text});
      }
    }
  }
  if (o.handle_impossible_answer) answers.push_back({min_null_score, 0, 0, ""});
  std::stable_sort(answers.begin(), answers.end(), [](const Answer& a, const Answer& b) { return a.score > b.score; });
  if (answers.size() > static_cast<size_t>(o.top_k)) answers.resize(static_cast<size_t>(o.top_k));
  return answers;
}

core::Json to_json(const std::vector<Answer>& answers) {
  core::Json list = core::Json::array();
  for (const auto& a : answers)
    list.push_back({{"score", a.score}, {"start", a.start}, {"end", a.end}, {"answer", a.answer}});
  if (list.size() == 1) return list[0];
  return list;
}

}  // namespace hfcpp::pipelines
