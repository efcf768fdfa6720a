// Logits processors: transformers' LogitsProcessor classes, one small class each, applied in the
// order GenerationMixin._get_logits_processor builds them. Each edits a [rows, vocab] block of
// scores in place; `sequences` holds each row's tokens so far (prompt, left padding included, as
// transformers' input_ids, then the generated tokens).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hfcpp/generation/generation_config.h"

namespace hfcpp::generation {

using TokenRows = std::vector<std::vector<int64_t>>;

// A row-major [rows, vocab] view of scores.
struct ScoresView {
  float* data = nullptr;
  int64_t rows = 0;
  int64_t vocab = 0;
  float* row(int64_t r) const { return data + r * vocab; }
};

class LogitsProcessor {
 public:
  virtual ~LogitsProcessor() = default;
  virtual const char* name() const = 0;  // transformers' class name
  virtual void apply(const TokenRows& sequences, ScoresView scores) const = 0;
};

// --- processors (act in greedy, sampling and beam search) ---
class RepetitionPenaltyProcessor final : public LogitsProcessor {
 public:
  explicit RepetitionPenaltyProcessor(double penalty);
  const char* name() const override { return "RepetitionPenaltyLogitsProcessor"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  float penalty_;
};

class NoRepeatNGramProcessor final : public LogitsProcessor {
 public:
  explicit NoRepeatNGramProcessor(int64_t ngram_size);
  const char* name() const override { return "NoRepeatNGramLogitsProcessor"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  int64_t ngram_size_;
};

class NoBadWordsProcessor final : public LogitsProcessor {
 public:
  // Single-token bad words equal to an EOS id are dropped, as transformers does.
  NoBadWordsProcessor(std::vector<std::vector<int64_t>> bad_words_ids, const std::vector<int64_t>& eos_token_ids);
  const char* name() const override { return "NoBadWordsLogitsProcessor"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  std::vector<std::vector<int64_t>> bad_words_;
};

class MinLengthProcessor final : public LogitsProcessor {
 public:
  MinLengthProcessor(int64_t min_length, std::vector<int64_t> eos_token_ids);
  const char* name() const override { return "MinLengthLogitsProcessor"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  int64_t min_length_;
  std::vector<int64_t> eos_;
};

class MinNewTokensProcessor final : public LogitsProcessor {
 public:
  MinNewTokensProcessor(int64_t prompt_length, int64_t min_new_tokens, std::vector<int64_t> eos_token_ids);
  const char* name() const override { return "MinNewTokensLengthLogitsProcessor"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  int64_t prompt_length_, min_new_tokens_;
  std::vector<int64_t> eos_;
};

// --- warpers (only when sampling) ---
class TemperatureWarper final : public LogitsProcessor {
 public:
  explicit TemperatureWarper(double temperature);
  const char* name() const override { return "TemperatureLogitsWarper"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  float temperature_;
};

class TopKWarper final : public LogitsProcessor {
 public:
  TopKWarper(int64_t top_k, int64_t min_tokens_to_keep = 1);
  const char* name() const override { return "TopKLogitsWarper"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  int64_t top_k_;
};

class TopPWarper final : public LogitsProcessor {
 public:
  TopPWarper(double top_p, int64_t min_tokens_to_keep = 1);
  const char* name() const override { return "TopPLogitsWarper"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  double top_p_;
  int64_t min_keep_;
};

class MinPWarper final : public LogitsProcessor {
 public:
  MinPWarper(double min_p, int64_t min_tokens_to_keep = 1);
  const char* name() const override { return "MinPLogitsWarper"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  double min_p_;
  int64_t min_keep_;
};

class TypicalWarper final : public LogitsProcessor {
 public:
  TypicalWarper(double mass, int64_t min_tokens_to_keep = 1);
  const char* name() const override { return "TypicalLogitsWarper"; }
  void apply(const TokenRows& sequences, ScoresView scores) const override;
 private:
  double mass_;
  int64_t min_keep_;
};

class LogitsProcessorList {
 public:
  void add(std::unique_ptr<LogitsProcessor> processor) { processors_.push_back(std::move(processor)); }
  void apply(const TokenRows& sequences, ScoresView scores) const;
  bool empty() const { return processors_.empty(); }
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<LogitsProcessor>> processors_;
};

// The chain generate() uses (transformers' _get_logits_processor): prompt_length is the padded
// prompt width (input_ids_seq_length).
LogitsProcessorList make_logits_processors(const GenerationConfig& config, int64_t prompt_length);

}  // namespace hfcpp::generation
