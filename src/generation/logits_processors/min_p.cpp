// MinPLogitsWarper: tokens with probability below min_p * (the top token's probability) are
// removed, keeping at least min_tokens_to_keep of the most likely.
#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"
#include "hfcpp/generation/sampler.h"

namespace hfcpp::generation {

MinPWarper::MinPWarper(double min_p, int64_t min_tokens_to_keep) : min_p_(min_p), min_keep_(min_tokens_to_keep) {
  HFCPP_CHECK(min_p >= 0 && min_p <= 1, ErrorCode::InvalidArgument,
              "[generation] min_p: got {}, expected a number in [0, 1]", min_p);
  HFCPP_CHECK(min_tokens_to_keep >= 1, ErrorCode::InvalidArgument,
              "[generation] min_tokens_to_keep: got {}, expected >= 1", min_tokens_to_keep);
}

void MinPWarper::apply(const TokenRows&, ScoresView scores) const {
  const int64_t V = scores.vocab;
  std::vector<int64_t> order(static_cast<size_t>(V));
  for (int64_t r = 0; r < scores.rows; ++r) {
    float* row = scores.row(r);
    const std::vector<double> probs = softmax({row, static_cast<size_t>(V)});
    const double top = *std::max_element(probs.begin(), probs.end());
    const double cut = min_p_ * top;
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    std::vector<int64_t> removed;
    for (int64_t i = min_keep_; i < V; ++i)
      if (probs[order[i]] < cut) removed.push_back(order[i]);
    for (int64_t id : removed) row[id] = -std::numeric_limits<float>::infinity();
  }
}

}  // namespace hfcpp::generation
