// question-answering as transformers' QuestionAnsweringPipeline (fast-tokenizer path): the
// question and context are encoded as a pair with only_second truncation to max_seq_len and
// doc_stride overlap, each window is run, non-context tokens are masked (the CLS token stays
// eligible), start/end logits are softmaxed, span scores are start*end probabilities with
// end >= start and length <= max_answer_len, spans are aligned to words, equal answers merged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/pipelines/pipeline_base.h"

namespace hfcpp::pipelines {

struct QuestionAnsweringOptions {
  int64_t top_k = 1;
  int64_t max_answer_len = 15;
  std::optional<int64_t> doc_stride;   // default min(max_seq_len / 2, 128)
  std::optional<int64_t> max_seq_len;  // default min(model_max_length, 384)
  int64_t max_question_len = 64;       // used only by the slow-tokenizer path in the reference
  bool handle_impossible_answer = false;
  bool align_to_words = true;
};

struct Answer {
  double score = 0;
  int64_t start = 0, end = 0;  // character (code point) offsets into the context
  std::string answer;
};

class QuestionAnsweringPipeline : public PipelineBase {
 public:
  static QuestionAnsweringPipeline load(const std::string& path_or_repo_id, const models::LoadOptions& options = {});
  // Best first; at most top_k answers.
  std::vector<Answer> operator()(const std::string& question, const std::string& context,
                                 const QuestionAnsweringOptions& options = {}) const;
};

// One answer -> an object, several -> a list (the reference's return shape).
core::Json to_json(const std::vector<Answer>& answers);

}  // namespace hfcpp::pipelines
