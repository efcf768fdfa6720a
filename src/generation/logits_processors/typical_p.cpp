// TypicalLogitsWarper (locally typical sampling): tokens sorted by |-log p - entropy|; the
// smallest prefix whose probability mass reaches typical_p is kept.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"
#include "hfcpp/generation/sampler.h"

namespace hfcpp::generation {

TypicalWarper::TypicalWarper(double mass, int64_t min_tokens_to_keep) : mass_(mass), min_keep_(min_tokens_to_keep) {
  HFCPP_CHECK(mass > 0 && mass < 1, ErrorCode::InvalidArgument,
              "[generation] typical_p: got {}, expected a number in (0, 1)", mass);
  HFCPP_CHECK(min_tokens_to_keep >= 1, ErrorCode::InvalidArgument,
              "[generation] min_tokens_to_keep: got {}, expected >= 1", min_tokens_to_keep);
}

void TypicalWarper::apply(const TokenRows&, ScoresView scores) const {
  const int64_t V = scores.vocab;
  std::vector<int64_t> order(static_cast<size_t>(V));
  std::vector<double> shifted(static_cast<size_t>(V));
  for (int64_t r = 0; r < scores.rows; ++r) {
    float* row = scores.row(r);
    const std::vector<double> probs = softmax({row, static_cast<size_t>(V)});
    double entropy = 0;  // nansum: masked tokens (p = 0, log p = -inf) contribute nothing
    for (int64_t i = 0; i < V; ++i)
      if (probs[i] > 0) entropy -= std::log(probs[i]) * probs[i];
    for (int64_t i = 0; i < V; ++i)
      shifted[i] = probs[i] > 0 ? std::abs(-std::log(probs[i]) - entropy) : std::numeric_limits<double>::infinity();
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return shifted[a] < shifted[b]; });
    // Index of the first token at which the cumulative mass reaches typical_p.
    int64_t last = 0;
    double cumulative = 0;
    for (int64_t i = 0; i < V; ++i) {
      cumulative += probs[order[i]];
      if (static_cast<float>(cumulative) < static_cast<float>(mass_)) ++last;
    }
    last = std::min(last, V - 1);
    const double limit = shifted[order[last]];
    std::vector<int64_t> removed;
    for (int64_t i = min_keep_; i < V; ++i)
      if (shifted[order[i]] > limit) removed.push_back(order[i]);
    for (int64_t id : removed) row[id] = -std::numeric_limits<float>::infinity();
  }
}

}  // namespace hfcpp::generation
