// TopKLogitsWarper: scores below the k-th largest become -inf (ties with it are kept).
#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

TopKWarper::TopKWarper(int64_t top_k, int64_t min_tokens_to_keep) : top_k_(std::max(top_k, min_tokens_to_keep)) {
  HFCPP_CHECK(top_k > 0, ErrorCode::InvalidArgument, "[generation] top_k: got {}, expected an integer > 0", top_k);
}

void TopKWarper::apply(const TokenRows&, ScoresView scores) const {
  const int64_t k = std::min(top_k_, scores.vocab);
  std::vector<float> sorted(static_cast<size_t>(scores.vocab));
  for (int64_t r = 0; r < scores.rows; ++r) {
    float* row = scores.row(r);
    std::copy(row, row + scores.vocab, sorted.begin());
    std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<float>());
    const float kth = sorted[k - 1];
    for (int64_t i = 0; i < scores.vocab; ++i)
      if (row[i] < kth) row[i] = -std::numeric_limits<float>::infinity();
  }
}

}  // namespace hfcpp::generation
