#include "hfcpp/generation/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hfcpp/core/error.h"

namespace hfcpp::generation {

Rng Rng::from_entropy() {
  std::random_device device;
  return Rng((static_cast<uint64_t>(device()) << 32) ^ device());
}

double Rng::uniform() { return std::generate_canonical<double, 53>(engine_); }

std::vector<double> softmax(std::span<const float> scores) {
  std::vector<double> out(scores.size(), 0.0);
  const float max = *std::max_element(scores.begin(), scores.end());
  HFCPP_CHECK(!std::isnan(max), ErrorCode::InvalidArgument, "[generation] scores contain NaN");
  if (max == -std::numeric_limits<float>::infinity()) {
    HFCPP_THROW(ErrorCode::InvalidArgument, "[generation] every token was filtered out (all scores are -inf)");
  }
  double sum = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    out[i] = std::exp(static_cast<double>(scores[i]) - max);
    sum += out[i];
  }
  for (double& p : out) p /= sum;
  return out;
}

void log_softmax_inplace(std::span<float> scores) {
  const float max = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (float s : scores) sum += std::exp(static_cast<double>(s) - max);
  const float log_sum = static_cast<float>(std::log(sum));
  for (float& s : scores) s = (s - max) - log_sum;
}

int64_t argmax(std::span<const float> scores) {
  // torch.argmax returns the first maximum; NaN counts as the maximum.
  int64_t best = 0;
  for (size_t i = 1; i < scores.size(); ++i) {
    if (std::isnan(scores[best])) break;
    if (scores[i] > scores[best] || std::isnan(scores[i])) best = static_cast<int64_t>(i);
  }
  return best;
}

int64_t sample_token(std::span<const float> scores, Rng& rng) {
  const std::vector<double> probs = softmax(scores);
  const double u = rng.uniform();
  double cumulative = 0;
  int64_t last_nonzero = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] <= 0) continue;
    cumulative += probs[i];
    last_nonzero = static_cast<int64_t>(i);
    if (u < cumulative) return last_nonzero;
  }
  return last_nonzero;  // rounding left u above the total: the last possible token
}

}  // namespace hfcpp::generation
