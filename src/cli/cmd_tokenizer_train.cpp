// `hfcpp tokenizer train --model bpe|wordpiece|unigram --vocab-size N FILES... -o tokenizer.json`:
// trains a tokenizer as the Python `tokenizers` trainers do (see hfcpp/tokenizers/trainer.h for
// the pipeline each model gets) and writes a tokenizer.json the Python library loads.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/trainer.h"

namespace hfcpp::cli {

namespace {
struct TrainArgs {
  std::string model = "bpe";
  size_t vocab_size = 30000;
  uint64_t min_frequency = 0;
  std::vector<std::string> files;
  std::string output;
  std::optional<std::string> special_tokens;  // comma-separated
  bool byte_level = false;
  size_t limit_alphabet = 0;
  std::string initial_alphabet;
  std::string continuing_subword_prefix, end_of_word_suffix;
  size_t max_token_length = 0;
};

void run_train(const TrainArgs& a, const GlobalOptions& global) {
  tokenizers::TrainerOptions o;
  if (a.model == "bpe") o.model = tokenizers::TrainerModel::Bpe;
  else if (a.model == "wordpiece") o.model = tokenizers::TrainerModel::WordPiece;
  else if (a.model == "unigram") o.model = tokenizers::TrainerModel::Unigram;
  else
    HFCPP_THROW(ErrorCode::InvalidArgument, "[tokenizer train] --model: got '{}', expected bpe, wordpiece or unigram", a.model);
  HFCPP_CHECK(!a.byte_level || o.model == tokenizers::TrainerModel::Bpe, ErrorCode::InvalidArgument,
              "[tokenizer train] --byte-level: only with --model bpe");
  o.vocab_size = a.vocab_size;
  o.min_frequency = a.min_frequency;
  if (a.special_tokens) {
    std::string_view rest = *a.special_tokens;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view t = rest.substr(0, comma);
      if (!t.empty()) o.special_tokens.emplace_back(t);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  } else if (o.model == tokenizers::TrainerModel::WordPiece) {
    o.special_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  } else if (o.model == tokenizers::TrainerModel::Unigram) {
    o.special_tokens = {"<unk>"};
  } else if (!a.byte_level) {
    o.special_tokens = {"[UNK]"};
  }
  if (o.model == tokenizers::TrainerModel::Unigram && !o.special_tokens.empty()) o.unk_token = o.special_tokens[0];
  if (a.limit_alphabet > 0) o.limit_alphabet = a.limit_alphabet;
  o.initial_alphabet = a.initial_alphabet;
  if (!a.continuing_subword_prefix.empty()) o.continuing_subword_prefix = a.continuing_subword_prefix;
  if (!a.end_of_word_suffix.empty()) o.end_of_word_suffix = a.end_of_word_suffix;
  if (a.max_token_length > 0) o.max_token_length = a.max_token_length;
  tokenizers::TrainerPipeline p;
  p.byte_level = a.byte_level;

  auto t0 = std::chrono::steady_clock::now();
  std::string json = tokenizers::train_tokenizer(a.files, o, p);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ofstream out(a.output, std::ios::binary);
  HFCPP_CHECK(out.good(), ErrorCode::Io, "[tokenizer train] cannot write '{}'", a.output);
  out << json << '\n';
  HFCPP_CHECK(out.good(), ErrorCode::Io, "[tokenizer train] writing '{}' failed", a.output);
  if (!global.quiet) std::fprintf(stderr, "trained %s in %.2f s -> %s\n", a.model.c_str(), secs, a.output.c_str());
}
}  // namespace

void register_tokenizer_train(CLI::App& app, GlobalOptions& global) {
  auto* group = app.add_subcommand("tokenizer", "Tokenizer tools (train)");
  group->require_subcommand(1);
  auto* cmd = group->add_subcommand("train", "Train a BPE, WordPiece or Unigram tokenizer on text files");
  auto a = std::make_shared<TrainArgs>();
  cmd->add_option("--model", a->model, "bpe, wordpiece or unigram")->capture_default_str();
  cmd->add_option("--vocab-size", a->vocab_size, "Target vocabulary size (special tokens included)")->capture_default_str();
  cmd->add_option("FILES", a->files, "UTF-8 text files; each line is one training sequence")->required();
  cmd->add_option("-o,--output", a->output, "Where to write tokenizer.json")->required();
  cmd->add_option("--min-frequency", a->min_frequency, "Smallest pair count that may be merged (BPE, WordPiece)");
  cmd->add_option("--special-tokens", a->special_tokens,
                  "Comma-separated special tokens, first in the vocab (default: [UNK] for bpe, "
                  "none for --byte-level, [PAD],[UNK],[CLS],[SEP],[MASK] for wordpiece, <unk> for unigram)");
  cmd->add_flag("--byte-level", a->byte_level, "GPT-2 style byte-level BPE (ByteLevel pre-tokenizer and decoder)");
  cmd->add_option("--limit-alphabet", a->limit_alphabet, "Keep at most this many initial characters");
  cmd->add_option("--initial-alphabet", a->initial_alphabet, "Characters always in the alphabet");
  cmd->add_option("--continuing-subword-prefix", a->continuing_subword_prefix, "Prefix of non-initial subwords");
  cmd->add_option("--end-of-word-suffix", a->end_of_word_suffix, "Suffix of word-final subwords");
  cmd->add_option("--max-token-length", a->max_token_length, "Longest token, in characters");
  cmd->callback([a, &global] { run_train(*a, global); });
}

}  // namespace hfcpp::cli
