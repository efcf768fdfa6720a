// llama-perplexity's chunked perplexity (see the header for the exact scheme).
#include "hfcpp/generation/perplexity.h"

#include <algorithm>
#include <cmath>

#include "hfcpp/core/error.h"

namespace hfcpp::generation {

namespace {

// log p(target) under softmax(logits): the maximum in float, the sum of exponentials in double,
// as llama.cpp's log_softmax does.
double log_softmax_at(const float* logits, int64_t n_vocab, int64_t target) {
  float max_logit = logits[0];
  for (int64_t i = 1; i < n_vocab; ++i) max_logit = std::max(max_logit, logits[i]);
  double sum_exp = 0.0;
  for (int64_t i = 0; i < n_vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
  return static_cast<double>(logits[target] - max_logit) - std::log(sum_exp);
}

}  // namespace

PerplexityResult perplexity(const models::CausalLM& lm, std::span<const int64_t> tokens,
                            const PerplexityOptions& options) {
  const int64_t n_ctx = options.n_ctx;
  HFCPP_CHECK(n_ctx >= 4, ErrorCode::InvalidArgument, "[perplexity] context of {} tokens: expected at least 4", n_ctx);
  const int64_t n_tokens = static_cast<int64_t>(tokens.size());
  HFCPP_CHECK(n_tokens >= 2 * n_ctx, ErrorCode::InvalidArgument,
              "[perplexity] the text tokenizes to {} tokens: expected at least {} (2 x the context of {})", n_tokens,
              2 * n_ctx, n_ctx);
  HFCPP_CHECK(options.n_batch >= 1, ErrorCode::InvalidArgument, "[perplexity] batch {}: expected >= 1", options.n_batch);
  const int64_t n_vocab = lm.vocab_size();
  const int64_t n_batch = std::min(options.n_batch, n_ctx);
  int64_t n_chunks = n_tokens / n_ctx;
  if (options.max_chunks >= 0) n_chunks = std::min(n_chunks, options.max_chunks);
  const int64_t first = n_ctx / 2;

  PerplexityResult r;
  r.n_tokens = n_tokens;
  r.n_ctx = n_ctx;
  r.n_chunks = n_chunks;
  double nll = 0.0, nll2 = 0.0;
  std::vector<int64_t> chunk(static_cast<size_t>(n_ctx));
  std::vector<float> scored;  // logits of positions first..n_ctx-1
  for (int64_t c = 0; c < n_chunks; ++c) {
    const int64_t start = c * n_ctx;
    std::copy(tokens.begin() + start, tokens.begin() + start + n_ctx, chunk.begin());
    if (options.bos_id) chunk[0] = *options.bos_id;
    auto cache = lm.make_cache({.batch = 1, .max_length = n_ctx});
    scored.clear();
    for (int64_t b = 0; b < n_ctx; b += n_batch) {
      const int64_t len = std::min(n_batch, n_ctx - b);
      std::vector<int64_t> ids(chunk.begin() + b, chunk.begin() + b + len);
      auto out = lm.forward({.input_ids = tensor::Tensor::from_data<int64_t>(ids, {1, len})}, *cache);
      const tensor::Tensor logits = out.logits.dtype() == tensor::DType::F32 ? out.logits.contiguous()
                                                                               : out.logits.to(tensor::DType::F32);
      const float* data = logits.data<float>();
      const int64_t keep_from = std::max<int64_t>(first, b);
      if (keep_from < b + len)
        scored.insert(scored.end(), data + (keep_from - b) * n_vocab, data + len * n_vocab);
    }
    for (int64_t j = first; j < n_ctx - 1; ++j) {
      const double v = -log_softmax_at(scored.data() + (j - first) * n_vocab, n_vocab, tokens[start + j + 1]);
      nll += v;
      nll2 += v * v;
    }
    r.count += n_ctx - 1 - first;
    r.running.push_back(std::exp(nll / static_cast<double>(r.count)));
    if (options.on_chunk) options.on_chunk(c + 1, r.running.back());
  }
  const double count = static_cast<double>(r.count);
  r.nll = nll / count;
  r.ppl = std::exp(r.nll);
  const double var = nll2 / count - r.nll * r.nll;
  r.ppl_error = var > 0 && r.count > 1 ? std::sqrt(var / (count - 1)) * r.ppl : 0.0;
  return r;
}

}  // namespace hfcpp::generation
