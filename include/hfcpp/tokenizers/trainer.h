// Training BPE, WordPiece and Unigram models from text files, as the reference's trainers
// (tokenizers 0.23.2: BpeTrainer, WordPieceTrainer, UnigramTrainer) do through
// Tokenizer.train(files, trainer): each line (with its line ending) is normalized and
// pre-tokenized by the pipeline, the words are counted, and the model is trained on the counts.
// The result is a complete tokenizer.json that the Python library loads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hfcpp::tokenizers {

enum class TrainerModel { Bpe, WordPiece, Unigram };

struct TrainerOptions {
  TrainerModel model = TrainerModel::Bpe;
  size_t vocab_size = 30000;
  uint64_t min_frequency = 0;
  std::vector<std::string> special_tokens;
  std::optional<size_t> limit_alphabet;
  std::string initial_alphabet;  // UTF-8; each character is kept in the alphabet
  std::optional<std::string> continuing_subword_prefix;  // WordPiece: "##" unless set
  std::optional<std::string> end_of_word_suffix;
  std::optional<size_t> max_token_length;
  // Unigram only (the reference's defaults).
  double shrinking_factor = 0.75;
  uint32_t n_sub_iterations = 2;
  uint32_t max_piece_length = 16;
  size_t seed_size = 1000000;
  std::optional<std::string> unk_token;  // Unigram: the unk piece, one of special_tokens
};

// The pipeline around the model. Defaults mirror the Python quick-start tokenizers:
//   BPE:        Whitespace pre-tokenizer, unk "[UNK]"
//   byte-level: ByteLevel(add_prefix_space=false) pre-tokenizer, post-processor and decoder,
//               the 256 byte characters as initial alphabet (ByteLevelBPETokenizer)
//   WordPiece:  BertNormalizer + BertPreTokenizer, WordPiece decoder, unk "[UNK]"
//   Unigram:    Metaspace pre-tokenizer and decoder, unk "<unk>"
struct TrainerPipeline {
  bool byte_level = false;
  // Overrides (tokenizer.json objects as text); empty keeps the default above.
  std::string normalizer_json, pre_tokenizer_json, decoder_json, post_processor_json;
};

// Word counts as the reference's Trainer::feed collects them.
using WordCounts = std::map<std::string, uint64_t>;

// Counts the pre-tokenized words of every line of `files` through the pipeline's normalizer
// and pre-tokenizer (lines keep their "\n"; lines are processed in parallel on the pool).
WordCounts count_words(const std::vector<std::string>& files, const TrainerPipeline& pipeline,
                       const TrainerOptions& options);

// Trains and returns the tokenizer.json text.
std::string train_tokenizer(const std::vector<std::string>& files, const TrainerOptions& options,
                            const TrainerPipeline& pipeline = {});
// Same, from counted words (what the reference calls after feed).
std::string train_tokenizer_from_counts(const WordCounts& counts, const TrainerOptions& options,
                                        const TrainerPipeline& pipeline = {});

}  // namespace hfcpp::tokenizers
