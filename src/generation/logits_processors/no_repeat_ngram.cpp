// NoRepeatNGramLogitsProcessor: a token that would complete an n-gram already present in the row
// (prompt included) gets -inf.
#include <limits>
#include <map>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

NoRepeatNGramProcessor::NoRepeatNGramProcessor(int64_t ngram_size) : ngram_size_(ngram_size) {
  HFCPP_CHECK(ngram_size > 0, ErrorCode::InvalidArgument,
              "[generation] no_repeat_ngram_size: got {}, expected an integer > 0", ngram_size);
}

void NoRepeatNGramProcessor::apply(const TokenRows& sequences, ScoresView scores) const {
  const int64_t n = ngram_size_;
  for (int64_t r = 0; r < scores.rows; ++r) {
    const auto& seq = sequences[r];
    const int64_t len = static_cast<int64_t>(seq.size());
    if (len + 1 < n) continue;
    // The last n-1 tokens are the prefix a new token would extend.
    const int64_t start = len + 1 - n;
    for (int64_t i = 0; i + n <= len; ++i) {
      bool match = true;
      for (int64_t k = 0; k < n - 1 && match; ++k) match = seq[i + k] == seq[start + k];
      if (!match) continue;
      const int64_t banned = seq[i + n - 1];
      if (banned >= 0 && banned < scores.vocab) scores.row(r)[banned] = -std::numeric_limits<float>::infinity();
    }
  }
}

}  // namespace hfcpp::generation
