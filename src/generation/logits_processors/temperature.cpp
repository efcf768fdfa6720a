// TemperatureLogitsWarper: scores / temperature (in f32, as torch divides an f32 tensor).
#include "hfcpp/core/error.h"
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

TemperatureWarper::TemperatureWarper(double temperature) : temperature_(static_cast<float>(temperature)) {
  HFCPP_CHECK(temperature > 0, ErrorCode::InvalidArgument,
              "[generation] temperature: got {}, expected a number > 0 when sampling", temperature);
}

void TemperatureWarper::apply(const TokenRows&, ScoresView scores) const {
  const int64_t n = scores.rows * scores.vocab;
  for (int64_t i = 0; i < n; ++i) scores.data[i] = scores.data[i] / temperature_;
}

}  // namespace hfcpp::generation
