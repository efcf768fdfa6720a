// Perplexity of a causal LM over a token stream, chunked exactly as llama.cpp's llama-perplexity
// does, so the numbers compare one to one:
//   - the text is tokenized once (with BOS when the tokenizer adds one) and cut into
//     floor(n_tokens / n_ctx) chunks of n_ctx tokens (the tail is dropped; --chunks caps the count);
//   - each chunk runs from an empty KV cache; when the tokenizer adds BOS, the chunk's first token
//     is replaced by BOS;
//   - only the second half is scored: the logits at positions first = n_ctx/2 .. n_ctx-2 predict
//     the tokens at first+1 .. n_ctx-1 (n_ctx - 1 - n_ctx/2 tokens per chunk);
//   - PPL = exp(mean NLL); the error is PPL * sqrt(var(NLL) / (count - 1)).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "hfcpp/models/causal_lm.h"

namespace hfcpp::generation {

struct PerplexityOptions {
  int64_t n_ctx = 512;
  int64_t n_batch = 2048;  // tokens per forward pass (min(n_batch, n_ctx)); a chunk may take several
  int64_t max_chunks = -1;  // -1: all
  std::optional<int64_t> bos_id;  // set: replace each chunk's first token by it (tokenizer adds BOS)
  // After each chunk: its 1-based index and the running perplexity.
  std::function<void(int64_t chunk, double running_ppl)> on_chunk;
};

struct PerplexityResult {
  int64_t n_tokens = 0, n_ctx = 0, n_chunks = 0;
  int64_t count = 0;     // scored tokens
  double nll = 0;        // mean negative log-likelihood (nats)
  double ppl = 0, ppl_error = 0;
  std::vector<double> running;  // running perplexity after each chunk
};

// tokens: the whole tokenized text. Throws InvalidArgument when it has fewer than 2 * n_ctx tokens
// (llama-perplexity's requirement) or n_ctx < 4.
PerplexityResult perplexity(const models::CausalLM& lm, std::span<const int64_t> tokens,
                            const PerplexityOptions& options);

}  // namespace hfcpp::generation
