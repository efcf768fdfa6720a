// MinLengthLogitsProcessor and MinNewTokensLengthLogitsProcessor: EOS is impossible (-inf) until
// the row (prompt included, or only the new tokens) is long enough.
#include <limits>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

namespace {
void ban_eos(const std::vector<int64_t>& eos, ScoresView scores, int64_t r) {
  for (int64_t id : eos)
    if (id >= 0 && id < scores.vocab) scores.row(r)[id] = -std::numeric_limits<float>::infinity();
}
}  // namespace

MinLengthProcessor::MinLengthProcessor(int64_t min_length, std::vector<int64_t> eos_token_ids)
    : min_length_(min_length), eos_(std::move(eos_token_ids)) {
  HFCPP_CHECK(min_length >= 0, ErrorCode::InvalidArgument, "[generation] min_length: got {}, expected >= 0",
              min_length);
}

void MinLengthProcessor::apply(const TokenRows& sequences, ScoresView scores) const {
  for (int64_t r = 0; r < scores.rows; ++r)
    if (static_cast<int64_t>(sequences[r].size()) < min_length_) ban_eos(eos_, scores, r);
}

MinNewTokensProcessor::MinNewTokensProcessor(int64_t prompt_length, int64_t min_new_tokens,
                                             std::vector<int64_t> eos_token_ids)
    : prompt_length_(prompt_length), min_new_tokens_(min_new_tokens), eos_(std::move(eos_token_ids)) {
  HFCPP_CHECK(min_new_tokens >= 0 && prompt_length >= 0, ErrorCode::InvalidArgument,
              "[generation] min_new_tokens: got {}, expected >= 0", min_new_tokens);
}

void MinNewTokensProcessor::apply(const TokenRows& sequences, ScoresView scores) const {
  for (int64_t r = 0; r < scores.rows; ++r)
    if (static_cast<int64_t>(sequences[r].size()) - prompt_length_ < min_new_tokens_) ban_eos(eos_, scores, r);
}

}  // namespace hfcpp::generation
