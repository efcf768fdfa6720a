#include "generation/stopping.h"

#include <algorithm>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::generation {

StoppingCriteria::StoppingCriteria(const GenerationConfig& config, int64_t max_length,
                                   const tokenizers::Tokenizer* tokenizer)
    : max_length_(max_length), eos_(config.eos_token_ids), stop_strings_(config.stop_strings), tokenizer_(tokenizer) {
  HFCPP_CHECK(stop_strings_.empty() || tokenizer_ != nullptr, ErrorCode::InvalidArgument,
              "[generation] stop strings need the model's tokenizer: none was given");
  for (const auto& s : stop_strings_) longest_stop_ = std::max(longest_stop_, s.size());
}

bool StoppingCriteria::hits_eos(int64_t token) const {
  return std::find(eos_.begin(), eos_.end(), token) != eos_.end();
}

bool StoppingCriteria::hits_stop_string(const std::vector<int64_t>& sequence) const {
  if (stop_strings_.empty() || sequence.empty()) return false;
  // Enough trailing tokens to hold the longest stop string (each token decodes to >= 0 bytes,
  // so widen until the text before the last token is long enough or the sequence is used up).
  size_t take = std::min(sequence.size(), longest_stop_ + 1);
  std::string before, text;
  for (;;) {
    std::vector<uint32_t> ids;
    for (size_t i = sequence.size() - take; i < sequence.size(); ++i) ids.push_back(static_cast<uint32_t>(sequence[i]));
    text = tokenizer_->decode(ids, false);
    ids.pop_back();
    before = tokenizer_->decode(ids, false);
    if (before.size() > longest_stop_ || take == sequence.size()) break;
    take = std::min(sequence.size(), take * 2);
  }
  // The last token's text starts where the two decodings part (a byte split across tokens
  // decodes to U+FFFD in `before`, so its size alone would overshoot).
  size_t boundary = 0;
  while (boundary < before.size() && boundary < text.size() && before[boundary] == text[boundary]) ++boundary;
  for (const auto& stop : stop_strings_) {
    const size_t from = boundary >= stop.size() ? boundary - stop.size() + 1 : 0;
    if (text.find(stop, from) != std::string::npos) return true;
  }
  return false;
}

bool StoppingCriteria::is_done(const std::vector<int64_t>& sequence) const {
  if (static_cast<int64_t>(sequence.size()) >= max_length_) return true;
  if (!sequence.empty() && hits_eos(sequence.back())) return true;
  return hits_stop_string(sequence);
}

}  // namespace hfcpp::generation
