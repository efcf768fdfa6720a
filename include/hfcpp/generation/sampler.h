// Turning scores into tokens: softmax / log_softmax over a row, argmax (first maximum, as
// torch.argmax), and a multinomial draw from an RNG that each generate() call owns and seeds.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hfcpp::generation {

// The call's random source: seeded for reproducible runs (--seed), else from std::random_device.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  static Rng from_entropy();
  double uniform();  // [0, 1)

 private:
  std::mt19937_64 engine_;
};

// Probabilities in double (masked -inf scores get exactly 0).
std::vector<double> softmax(std::span<const float> scores);
// log_softmax in f32, as torch.nn.functional.log_softmax on f32 logits.
void log_softmax_inplace(std::span<float> scores);
int64_t argmax(std::span<const float> scores);
// One token drawn with probability softmax(scores)[i] (torch.multinomial(probs, 1) semantics).
int64_t sample_token(std::span<const float> scores, Rng& rng);

}  // namespace hfcpp::generation
