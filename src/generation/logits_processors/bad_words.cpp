// NoBadWordsLogitsProcessor (a SequenceBiasLogitsProcessor with -inf biases): a single-token bad
// word is always banned; a longer one bans its last token when the row ends with the rest.
#include <algorithm>
#include <limits>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

NoBadWordsProcessor::NoBadWordsProcessor(std::vector<std::vector<int64_t>> bad_words_ids,
                                         const std::vector<int64_t>& eos_token_ids) {
  HFCPP_CHECK(!bad_words_ids.empty(), ErrorCode::InvalidArgument,
              "[generation] bad_words_ids: got an empty list, expected a non-empty list of token id lists");
  for (auto& seq : bad_words_ids) {
    HFCPP_CHECK(!seq.empty(), ErrorCode::InvalidArgument, "[generation] bad_words_ids: an entry is empty");
    const bool is_eos = seq.size() == 1 && std::find(eos_token_ids.begin(), eos_token_ids.end(), seq[0]) !=
                                               eos_token_ids.end();
    if (!is_eos) bad_words_.push_back(std::move(seq));
  }
}

void NoBadWordsProcessor::apply(const TokenRows& sequences, ScoresView scores) const {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  for (const auto& word : bad_words_)
    for (int64_t id : word)
      HFCPP_CHECK(id >= 0 && id < scores.vocab, ErrorCode::InvalidArgument,
                  "[generation] bad_words_ids: token id {} is outside the vocabulary of {}", id, scores.vocab);
  for (int64_t r = 0; r < scores.rows; ++r) {
    const auto& seq = sequences[r];
    for (const auto& word : bad_words_) {
      if (word.size() > seq.size()) continue;  // longer than the context: ignored
      const size_t prefix = word.size() - 1;
      if (std::equal(word.begin(), word.begin() + prefix, seq.end() - prefix)) scores.row(r)[word.back()] = kNegInf;
    }
  }
}

}  // namespace hfcpp::generation
