// TopPLogitsWarper: sorted ascending, tokens whose cumulative probability stays <= 1 - top_p
// are removed; the min_tokens_to_keep most likely always stay.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"
#include "hfcpp/generation/sampler.h"

namespace hfcpp::generation {

TopPWarper::TopPWarper(double top_p, int64_t min_tokens_to_keep) : top_p_(top_p), min_keep_(min_tokens_to_keep) {
  HFCPP_CHECK(top_p >= 0 && top_p <= 1, ErrorCode::InvalidArgument,
              "[generation] top_p: got {}, expected a number in (0, 1]", top_p);
  HFCPP_CHECK(min_tokens_to_keep >= 1, ErrorCode::InvalidArgument,
              "[generation] min_tokens_to_keep: got {}, expected >= 1", min_tokens_to_keep);
}

void TopPWarper::apply(const TokenRows&, ScoresView scores) const {
  const int64_t V = scores.vocab;
  // transformers compares an f32 cumulative sum with the Python float 1 - top_p (cast to f32).
  const float threshold = static_cast<float>(1.0 - top_p_);
  std::vector<int64_t> order(static_cast<size_t>(V));
  for (int64_t r = 0; r < scores.rows; ++r) {
    float* row = scores.row(r);
    const std::vector<double> probs = softmax({row, static_cast<size_t>(V)});
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return row[a] < row[b]; });
    double cumulative = 0;
    std::vector<int64_t> removed;
    for (int64_t i = 0; i < V - min_keep_; ++i) {
      cumulative += probs[order[i]];
      if (static_cast<float>(cumulative) <= threshold) removed.push_back(order[i]);
    }
    for (int64_t id : removed) row[id] = -std::numeric_limits<float>::infinity();
  }
}

}  // namespace hfcpp::generation
