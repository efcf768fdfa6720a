// Shared pieces of the trainers (trainers/*.cpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hfcpp/tokenizers/trainer.h"

namespace hfcpp::tokenizers {

struct BpeTrainResult {
  std::vector<std::string> id_to_word;                   // the vocab, index = id
  std::vector<std::pair<uint32_t, uint32_t>> merges;     // in rank order, each pair once
};

// The reference's BpeTrainer::do_train on counted words.
BpeTrainResult train_bpe(const WordCounts& counts, const TrainerOptions& options);

struct UnigramTrainResult {
  std::vector<std::pair<std::string, double>> pieces;  // index = id
  size_t unk_id = 0;
  bool has_unk = false;
};
UnigramTrainResult train_unigram(const WordCounts& counts, const TrainerOptions& options);

}  // namespace hfcpp::tokenizers
