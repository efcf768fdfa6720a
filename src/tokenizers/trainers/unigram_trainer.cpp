// Unigram training (placeholder until the EM trainer lands).
#include "hfcpp/core/error.h"
#include "tokenizers/trainers/trainers_internal.h"

namespace hfcpp::tokenizers {

UnigramTrainResult train_unigram(const WordCounts&, const TrainerOptions&) {
  HFCPP_THROW(ErrorCode::Unsupported, "[trainer] Unigram training is not available yet");
}

}  // namespace hfcpp::tokenizers
