// The processor chain in transformers' _get_logits_processor order.
#include "hfcpp/generation/logits_processor.h"

namespace hfcpp::generation {

void LogitsProcessorList::apply(const TokenRows& sequences, ScoresView scores) const {
  for (const auto& p : processors_) p->apply(sequences, scores);
}

std::vector<std::string> LogitsProcessorList::names() const {
  std::vector<std::string> out;
  for (const auto& p : processors_) out.emplace_back(p->name());
  return out;
}

LogitsProcessorList make_logits_processors(const GenerationConfig& c, int64_t prompt_length) {
  LogitsProcessorList list;
  if (c.repetition_penalty != 1.0) list.add(std::make_unique<RepetitionPenaltyProcessor>(c.repetition_penalty));
  if (c.no_repeat_ngram_size > 0) list.add(std::make_unique<NoRepeatNGramProcessor>(c.no_repeat_ngram_size));
  if (!c.bad_words_ids.empty()) list.add(std::make_unique<NoBadWordsProcessor>(c.bad_words_ids, c.eos_token_ids));
  if (c.min_length > 0 && !c.eos_token_ids.empty())
    list.add(std::make_unique<MinLengthProcessor>(c.min_length, c.eos_token_ids));
  if (c.min_new_tokens && *c.min_new_tokens > 0 && !c.eos_token_ids.empty())
    list.add(std::make_unique<MinNewTokensProcessor>(prompt_length, *c.min_new_tokens, c.eos_token_ids));
  if (c.do_sample) {
    // Beam sampling keeps one more than the EOS count so a beam can always continue.
    const int64_t keep =
        c.num_beams == 1 ? 1 : c.eos_token_ids.empty() ? 2 : static_cast<int64_t>(c.eos_token_ids.size()) + 1;
    if (c.temperature != 1.0) list.add(std::make_unique<TemperatureWarper>(c.temperature));
    if (c.top_k != 0) list.add(std::make_unique<TopKWarper>(c.top_k, keep));
    if (c.top_p < 1.0) list.add(std::make_unique<TopPWarper>(c.top_p, keep));
    if (c.min_p) list.add(std::make_unique<MinPWarper>(*c.min_p, keep));
    if (c.typical_p < 1.0) list.add(std::make_unique<TypicalWarper>(c.typical_p, keep));
  }
  return list;
}

}  // namespace hfcpp::generation
