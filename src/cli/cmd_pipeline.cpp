// `hfcpp pipeline TASK --model M [--json|--jsonl] [options] [INPUTS...]`: transformers' pipelines
// (text-classification / sentiment-analysis, token-classification / ner, question-answering,
// fill-mask, zero-shot-classification, feature-extraction) with the same options and outputs.
// Inputs: arguments, else one per stdin line (--json-input: JSON strings; question-answering
// reads {"question","context"} objects per line unless --question/--context are given).
// --json prints each input's result as transformers returns it for that input (a list of them
// for several inputs); --jsonl prints one result per line.
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/input_lines.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/pipelines/feature_extraction.h"
#include "hfcpp/pipelines/fill_mask.h"
#include "hfcpp/pipelines/question_answering.h"
#include "hfcpp/pipelines/text_generation.h"
#include "hfcpp/pipelines/text_classification.h"
#include "hfcpp/pipelines/token_classification.h"
#include "hfcpp/pipelines/zero_shot_classification.h"

namespace hfcpp::cli {

namespace {

struct PipelineCliOptions {
  std::string task, model, dtype = "auto";
  std::vector<std::string> inputs;
  bool json = false, jsonl = false, json_input = false;
  std::string top_k;  // integer, or "all" (top_k=None) for text-classification
  std::string function_to_apply = "default";
  std::string aggregation_strategy = "none";
  std::optional<std::string> ignore_labels;
  std::string question, context;
  int64_t max_answer_len = 15, max_question_len = 64;
  std::optional<int64_t> doc_stride, max_seq_len;
  bool handle_impossible_answer = false;
  std::string targets, candidate_labels, hypothesis_template = "This example is {}.";
  bool multi_label = false;
  // text-generation
  std::optional<int64_t> max_new_tokens, num_beams, num_return_sequences;
  std::optional<double> temperature, top_p;
  bool do_sample = false, new_text_only = false;
  std::optional<uint64_t> seed;
};

std::vector<std::string> split_commas(const std::string& s) { return pipelines::parse_candidate_labels(s); }

// Index of the first byte that breaks UTF-8, or npos.
size_t invalid_utf8_at(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size() || (len == 2 && c < 0xC2)) return i;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return i;
    i += len;
  }
  return std::string::npos;
}

void check_utf8(const std::string& s, size_t index) {
  size_t at = invalid_utf8_at(s);
  HFCPP_CHECK(at == std::string::npos, ErrorCode::InvalidArgument,
              "[pipeline] input {} is not valid UTF-8: bad byte 0x{:02x} at byte offset {}", index + 1,
              static_cast<unsigned>(static_cast<unsigned char>(s[at])), at);
}

std::optional<int64_t> parse_top_k(const std::string& s, std::optional<int64_t> fallback) {
  if (s.empty()) return fallback;
  if (s == "all" || s == "none" || s == "None") return std::nullopt;
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used == s.size() && v >= 1) return v;
  } catch (const std::exception&) {
  }
  HFCPP_THROW(ErrorCode::Usage, "[pipeline] --top-k '{}': expected a positive integer or 'all'", s);
}

struct QaInput {
  std::string question, context;
};

std::vector<QaInput> read_qa_inputs(const PipelineCliOptions& o) {
  if (!o.question.empty() || !o.context.empty()) return {{o.question, o.context}};
  HFCPP_CHECK(o.inputs.empty(), ErrorCode::Usage,
              "[pipeline] question-answering takes --question and --context, or JSON objects "
              "{{\"question\": ..., \"context\": ...}} one per stdin line");
  std::vector<QaInput> out;
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty()) continue;
    check_utf8(line, line_no - 1);
    core::Json j = core::parse_json(line, fmt::format("stdin line {}", line_no));
    HFCPP_CHECK(j.is_object() && j.contains("question") && j.contains("context") && j["question"].is_string() &&
                    j["context"].is_string(),
                ErrorCode::InvalidArgument,
                "[pipeline] stdin line {}: expected {{\"question\": string, \"context\": string}}", line_no);
    out.push_back({j["question"].get<std::string>(), j["context"].get<std::string>()});
  }
  return out;
}

void print_for_people(const std::string& input, const core::Json& result) {
  fmt::print("> {}\n", input.size() > 200 ? input.substr(0, 197) + "..." : input);
  std::puts(result.dump(2).c_str());
}

// text-generation: each input is a prompt, or (with --json-input) a JSON string or an array of
// chat messages.
void run_text_generation(const PipelineCliOptions& o, const models::LoadOptions& load, std::vector<core::Json>& results,
                         std::vector<std::string>& shown) {
  auto pipe = pipelines::TextGenerationPipeline::load(o.model, load);
  auto& config = pipe.generation_config();
  if (o.max_new_tokens) config.max_new_tokens = *o.max_new_tokens;
  if (o.num_beams) config.num_beams = *o.num_beams;
  if (o.num_return_sequences) config.num_return_sequences = *o.num_return_sequences;
  if (o.temperature) config.temperature = *o.temperature;
  if (o.top_p) config.top_p = *o.top_p;
  if (!o.top_k.empty()) config.top_k = parse_top_k(o.top_k, 50).value_or(0);
  if (o.do_sample) config.do_sample = true;
  config.validate();
  pipelines::TextGenerationOptions opt;
  opt.return_full_text = !o.new_text_only;
  opt.seed = o.seed;
  std::vector<std::string> lines = o.inputs;
  if (lines.empty()) {
    std::string line;
    while (std::getline(std::cin, line))
      if (!line.empty()) lines.push_back(line);
  }
  HFCPP_CHECK(!lines.empty(), ErrorCode::Usage, "[pipeline] no input: give prompts as arguments or one per stdin line");
  for (size_t i = 0; i < lines.size(); ++i) {
    check_utf8(lines[i], i);
    if (o.json_input) {
      const core::OrderedJson j = core::parse_ordered_json(lines[i], fmt::format("input {}", i + 1));
      if (j.is_array()) {
        results.push_back(core::Json::parse(pipe(j, opt).dump()));
      } else {
        HFCPP_CHECK(j.is_string(), ErrorCode::InvalidArgument,
                    "[pipeline] input {}: expected a JSON string or an array of chat messages", i + 1);
        results.push_back(core::Json::parse(pipe(j.get<std::string>(), opt).dump()));
      }
    } else {
      results.push_back(core::Json::parse(pipe(lines[i], opt).dump()));
    }
    shown.push_back(lines[i]);
  }
}

void run_pipeline(const PipelineCliOptions& o) {
  models::LoadOptions load;
  load.dtype = models::parse_dtype_option(o.dtype);
  std::string task = o.task;
  if (task == "sentiment-analysis") task = "text-classification";
  if (task == "ner") task = "token-classification";

  std::vector<core::Json> results;
  std::vector<std::string> shown;
  if (task == "text-generation") {
    run_text_generation(o, load, results, shown);
  } else if (task == "question-answering") {
    auto pipe = pipelines::QuestionAnsweringPipeline::load(o.model, load);
    pipelines::QuestionAnsweringOptions qa;
    qa.top_k = parse_top_k(o.top_k, 1).value_or(1);
    qa.max_answer_len = o.max_answer_len;
    qa.max_question_len = o.max_question_len;
    qa.doc_stride = o.doc_stride;
    qa.max_seq_len = o.max_seq_len;
    qa.handle_impossible_answer = o.handle_impossible_answer;
    auto inputs = read_qa_inputs(o);
    HFCPP_CHECK(!inputs.empty(), ErrorCode::Usage, "[pipeline] no input");
    for (size_t i = 0; i < inputs.size(); ++i) {
      check_utf8(inputs[i].question, i);
      check_utf8(inputs[i].context, i);
      results.push_back(pipelines::to_json(pipe(inputs[i].question, inputs[i].context, qa)));
      shown.push_back(inputs[i].question);
    }
  } else {
    std::vector<std::string> texts = read_text_inputs(o.inputs, o.json_input);
    HFCPP_CHECK(!texts.empty(), ErrorCode::Usage, "[pipeline] no input: give texts as arguments or one per stdin line");
    for (size_t i = 0; i < texts.size(); ++i) check_utf8(texts[i], i);
    shown = texts;
    if (task == "text-classification") {
      auto pipe = pipelines::TextClassificationPipeline::load(o.model, load);
      pipelines::TextClassificationOptions opt;
      opt.top_k = parse_top_k(o.top_k, 1);
      opt.function_to_apply = pipelines::parse_classification_function(o.function_to_apply);
      for (const auto& t : texts) results.push_back(pipelines::to_json(pipe(t, opt)));
    } else if (task == "token-classification") {
      auto pipe = pipelines::TokenClassificationPipeline::load(o.model, load);
      pipelines::TokenClassificationOptions opt;
      opt.aggregation_strategy = pipelines::parse_aggregation_strategy(o.aggregation_strategy);
      if (o.ignore_labels) opt.ignore_labels = split_commas(*o.ignore_labels);
      for (const auto& t : texts) results.push_back(pipelines::to_json(pipe(t, opt), opt.aggregation_strategy));
    } else if (task == "fill-mask") {
      auto pipe = pipelines::FillMaskPipeline::load(o.model, load);
      pipelines::FillMaskOptions opt;
      opt.top_k = parse_top_k(o.top_k, 5).value_or(5);
      if (!o.targets.empty()) opt.targets = split_commas(o.targets);
      for (const auto& t : texts) results.push_back(pipelines::to_json(pipe(t, opt)));
    } else if (task == "zero-shot-classification") {
      auto pipe = pipelines::ZeroShotClassificationPipeline::load(o.model, load);
      pipelines::ZeroShotOptions opt;
      opt.candidate_labels = split_commas(o.candidate_labels);
      HFCPP_CHECK(!opt.candidate_labels.empty(), ErrorCode::Usage,
                  "[pipeline] zero-shot-classification needs --candidate-labels a,b,c");
      opt.hypothesis_template = o.hypothesis_template;
      opt.multi_label = o.multi_label;
      for (const auto& t : texts) results.push_back(pipelines::to_json(pipe(t, opt)));
    } else if (task == "feature-extraction") {
      auto pipe = pipelines::FeatureExtractionPipeline::load(o.model, load);
      for (const auto& t : texts) results.push_back(pipelines::features_to_json(pipe(t)));
    } else {
      HFCPP_THROW(ErrorCode::Usage,
                  "[pipeline] unknown task '{}': expected text-classification (sentiment-analysis), token-classification "
                  "(ner), question-answering, fill-mask, zero-shot-classification or feature-extraction",
                  o.task);
    }
  }
  if (o.jsonl) {
    for (const auto& r : results) std::puts(r.dump(-1, ' ', false, core::Json::error_handler_t::replace).c_str());
  } else if (o.json) {
    core::Json all = results.size() == 1 ? results[0] : core::Json(results);
    std::puts(all.dump(-1, ' ', false, core::Json::error_handler_t::replace).c_str());
  } else {
    for (size_t i = 0; i < results.size(); ++i) print_for_people(shown[i], results[i]);
  }
}

}  // namespace

void register_pipeline(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<PipelineCliOptions>();
  auto* cmd = app.add_subcommand("pipeline", "Run a transformers pipeline task on an encoder model");
  cmd->add_option("TASK", o->task,
                  "text-classification|sentiment-analysis|token-classification|ner|question-answering|fill-mask|"
                  "zero-shot-classification|feature-extraction|text-generation")
      ->required();
  cmd->add_option("INPUTS", o->inputs, "Input texts (default: one per stdin line)");
  cmd->add_option("-m,--model", o->model, "Model folder or Hub repo id in the cache")->required();
  cmd->add_option("--dtype", o->dtype, "Weights dtype: auto|f32|bf16|f16")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the results as JSON (a list for several inputs)");
  cmd->add_flag("--jsonl", o->jsonl, "Print one JSON result per input line");
  cmd->add_flag("--json-input", o->json_input, "Each stdin line is a JSON string");
  cmd->add_option("--top-k", o->top_k, "Results to return (text-classification: 'all' = every label)");
  cmd->add_option("--function-to-apply", o->function_to_apply, "text-classification: default|softmax|sigmoid|none")
      ->capture_default_str();
  cmd->add_option("--aggregation-strategy", o->aggregation_strategy, "token-classification: none|simple|first|average|max")
      ->capture_default_str();
  cmd->add_option("--ignore-labels", o->ignore_labels, "token-classification: comma-separated labels to drop (default O)");
  cmd->add_option("--question", o->question, "question-answering: the question");
  cmd->add_option("--context", o->context, "question-answering: the context");
  cmd->add_option("--max-answer-len", o->max_answer_len, "question-answering")->capture_default_str();
  cmd->add_option("--max-question-len", o->max_question_len, "question-answering")->capture_default_str();
  cmd->add_option("--doc-stride", o->doc_stride, "question-answering: window overlap (default min(max_seq_len/2, 128))");
  cmd->add_option("--max-seq-len", o->max_seq_len, "question-answering: window length (default min(model max, 384))");
  cmd->add_flag("--handle-impossible-answer", o->handle_impossible_answer, "question-answering: allow an empty answer");
  cmd->add_option("--targets", o->targets, "fill-mask: comma-separated candidate tokens");
  cmd->add_option("--candidate-labels", o->candidate_labels, "zero-shot-classification: comma-separated labels");
  cmd->add_option("--hypothesis-template", o->hypothesis_template, "zero-shot-classification")->capture_default_str();
  cmd->add_flag("--multi-label", o->multi_label, "zero-shot-classification: labels scored independently");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "text-generation: new tokens at most");
  cmd->add_flag("--do-sample", o->do_sample, "text-generation: sample instead of greedy search");
  cmd->add_option("--temperature", o->temperature, "text-generation: sampling temperature");
  cmd->add_option("--top-p", o->top_p, "text-generation: nucleus sampling mass");
  cmd->add_option("--num-beams", o->num_beams, "text-generation: beam search");
  cmd->add_option("--num-return-sequences", o->num_return_sequences, "text-generation: sequences per input");
  cmd->add_flag("--new-text-only", o->new_text_only, "text-generation: return_full_text=False");
  cmd->add_option("--seed", o->seed, "text-generation: sampling seed");
  cmd->callback([o] { run_pipeline(*o); });
}

}  // namespace hfcpp::cli
