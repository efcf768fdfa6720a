// RepetitionPenaltyLogitsProcessor: every token already in the row (prompt included) has its
// score divided by the penalty when positive and multiplied when negative, once per token.
#include <algorithm>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

RepetitionPenaltyProcessor::RepetitionPenaltyProcessor(double penalty) : penalty_(static_cast<float>(penalty)) {
  HFCPP_CHECK(penalty > 0, ErrorCode::InvalidArgument,
              "[generation] repetition_penalty: got {}, expected a number > 0", penalty);
}

void RepetitionPenaltyProcessor::apply(const TokenRows& sequences, ScoresView scores) const {
  std::vector<char> seen(static_cast<size_t>(scores.vocab));
  for (int64_t r = 0; r < scores.rows; ++r) {
    std::fill(seen.begin(), seen.end(), 0);
    float* row = scores.row(r);
    for (int64_t token : sequences[r]) {
      HFCPP_CHECK(token >= 0 && token < scores.vocab, ErrorCode::InvalidArgument,
                  "[generation] repetition_penalty: token id {} is outside the vocabulary of {}", token, scores.vocab);
      if (seen[token]) continue;  // gather-then-scatter in transformers: penalised once
      seen[token] = 1;
      row[token] = row[token] < 0 ? row[token] * penalty_ : row[token] / penalty_;
    }
  }
}

}  // namespace hfcpp::generation
