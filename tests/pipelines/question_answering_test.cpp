#include "hfcpp/pipelines/question_answering.h"

#include <map>

#include "golden_cases.h"

using namespace hfcpp;
using namespace hfcpp::pipelines;

TEST(QuestionAnswering, MatchesTransformers) {
  std::map<std::string, QuestionAnsweringPipeline> cache;
  hfcpp::testing::check_pipeline_golden(
      "question-answering", [&](const std::string& model, const core::Json& options, const core::Json& input) {
        if (!cache.count(model)) cache.emplace(model, QuestionAnsweringPipeline::load(hfcpp::testing::tiny_model(model)));
        QuestionAnsweringOptions o;
        if (options.contains("top_k")) o.top_k = options["top_k"].get<int64_t>();
        if (options.contains("max_answer_len")) o.max_answer_len = options["max_answer_len"].get<int64_t>();
        if (options.contains("doc_stride")) o.doc_stride = options["doc_stride"].get<int64_t>();
        if (options.contains("max_seq_len")) o.max_seq_len = options["max_seq_len"].get<int64_t>();
        if (options.contains("handle_impossible_answer"))
          o.handle_impossible_answer = options["handle_impossible_answer"].get<bool>();
        return to_json(cache.at(model)(input["question"].get<std::string>(), input["context"].get<std::string>(), o));
      });
}

TEST(QuestionAnswering, RejectsEmptyInputs) {
  auto p = QuestionAnsweringPipeline::load(hfcpp::testing::tiny_model("bert/question-answering"));
  EXPECT_THROW(p("", "context"), core::Error);
  EXPECT_THROW(p("question?", ""), core::Error);
  QuestionAnsweringOptions o;
  o.doc_stride = 500;
  EXPECT_THROW(p("q", "c", o), core::Error);
}
