// Prefill and greedy decode of a causal LM, for bench/decoder_bench.py.
//   decoder_bench MODEL PROMPT_TOKENS NEW_TOKENS BATCH THREADS [auto|f32|quantized] [REPEATS] [PREFILL_CHUNK]
//                 [CACHE_DTYPE auto|f32|f16]
// -> one JSON line: load_s, prefill_s (best of REPEATS: PROMPT_TOKENS tokens per row, logits of the
// last position, which is the time to first token), decode_s (NEW_TOKENS greedy steps, batch rows at
// once, after that prefill), peak_rss_mb (VmHWM), rss_after_load_mb / peak_rss_load_mb (VmRSS /
// VmHWM right after loading), peak_rss_prefill_mb (VmHWM after the prefills), kv_cache_mb (the
// cache's buffers). The cache is made with max_length = prompt + new tokens, as generate() makes
// it, and the prompt runs as generate() runs it: passes of at most PREFILL_CHUNK tokens across the
// batch (default 512; 0: one pass). Token ids are a fixed pseudo-random sequence, the same the
// Python driver gives llama.cpp and transformers.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "proc_status.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"

namespace {

using hfcpp::bench::proc_status_mb;

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The driver's prompt: ids (i * 7919 + 13) % vocab_cap + 100, avoiding the special tokens at the start.
std::vector<int64_t> prompt_ids(int64_t n, int64_t vocab) {
  std::vector<int64_t> ids(static_cast<size_t>(n));
  const int64_t cap = std::min<int64_t>(vocab - 100, 40000);
  for (int64_t i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = (i * 7919 + 13) % cap + 100;
  return ids;
}

std::vector<int64_t> argmax_rows(const hfcpp::tensor::Tensor& logits) {  // [B, 1, V]
  const int64_t b = logits.size(0), v = logits.size(-1);
  const float* p = logits.data<float>();
  std::vector<int64_t> out(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) out[static_cast<size_t>(i)] = std::max_element(p + i * v, p + (i + 1) * v) - (p + i * v);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: decoder_bench MODEL PROMPT_TOKENS NEW_TOKENS BATCH THREADS [auto|f32|quantized] [REPEATS] "
                 "[PREFILL_CHUNK] [CACHE_DTYPE]\n");
    return 2;
  }
  using hfcpp::tensor::Tensor;
  const std::string model = argv[1];
  const int64_t prompt = std::atoll(argv[2]), new_tokens = std::atoll(argv[3]), batch = std::atoll(argv[4]);
  const int threads = std::atoi(argv[5]);
  const std::string dtype = argc > 6 ? argv[6] : "auto";
  const int repeats = argc > 7 ? std::atoi(argv[7]) : 2;
  const int64_t prefill_chunk = argc > 8 ? std::atoll(argv[8]) : hfcpp::models::kDefaultPrefillChunkTokens;
  // The KV cache's element type (auto: the model's choice, f16 for --dtype quantized).
  const auto cache_dtype = hfcpp::models::parse_kv_cache_dtype(argc > 9 ? argv[9] : "auto");
  hfcpp::core::set_num_threads(threads);
  hfcpp::models::LoadOptions options;
  options.quantized_matmuls = dtype == "quantized";
  if (!options.quantized_matmuls) options.dtype = hfcpp::models::parse_dtype_option(dtype);

  auto t0 = Clock::now();
  auto lm = hfcpp::models::load_causal_lm(model, options);
  const double load_s = seconds_since(t0);
  const double rss_after_load_mb = proc_status_mb("VmRSS:"), peak_rss_load_mb = proc_status_mb("VmHWM:");

  const std::vector<int64_t> one = prompt_ids(prompt, lm->vocab_size());
  std::vector<int64_t> ids;
  for (int64_t b = 0; b < batch; ++b) ids.insert(ids.end(), one.begin(), one.end());
  hfcpp::models::CausalLMBatch in;
  in.input_ids = Tensor::from_data<int64_t>(ids, {batch, prompt});
  in.last_token_logits_only = true;

  // One prefill and the decode first, as `hfcpp run` does, so the peak RSS is a real run's; the extra
  // prefill repeats come after (best time). A second prefill in the same process would raise the peak
  // by 10-20 MB: freed activation and cache blocks stay in glibc's heap and per-thread arenas.
  auto make_cache = [&] { return lm->make_cache({.batch = batch, .max_length = prompt + new_tokens, .dtype = cache_dtype}); };
  std::unique_ptr<hfcpp::models::KvCache> cache = make_cache();
  auto t = Clock::now();
  hfcpp::models::CausalLMOutput out = hfcpp::models::forward_chunked(*lm, in, *cache, prefill_chunk);
  double prefill_s = seconds_since(t);
  const double peak_rss_prefill_mb = proc_status_mb("VmHWM:");
  std::vector<int64_t> next = argmax_rows(out.logits);
  t = Clock::now();
  for (int64_t step = 0; step < new_tokens; ++step) {
    hfcpp::models::CausalLMBatch d;
    d.input_ids = Tensor::from_data<int64_t>(next, {batch, 1});
    d.last_token_logits_only = true;
    next = argmax_rows(lm->forward(d, *cache).logits);
  }
  const double decode_s = seconds_since(t);
  const double kv_cache_mb = static_cast<double>(cache->memory_bytes()) / 1e6;
  const double peak_rss_mb = proc_status_mb("VmHWM:");
  for (int r = 1; r < repeats; ++r) {
    cache.reset();
    cache = make_cache();
    t = Clock::now();
    out = hfcpp::models::forward_chunked(*lm, in, *cache, prefill_chunk);
    prefill_s = std::min(prefill_s, seconds_since(t));
  }

  std::printf("{\"impl\": \"hfcpp\", \"dtype\": \"%s\", \"batch\": %lld, \"threads\": %d, \"prompt_tokens\": %lld, "
              "\"new_tokens\": %lld, \"load_s\": %.4f, \"prefill_s\": %.5f, \"decode_s\": %.5f, "
              "\"peak_rss_mb\": %.1f, \"rss_after_load_mb\": %.1f, \"peak_rss_load_mb\": %.1f, "
              "\"peak_rss_prefill_mb\": %.1f, "
              "\"kv_cache_mb\": %.2f, \"prefill_chunk\": %lld}\n",
              dtype.c_str(), static_cast<long long>(batch), threads, static_cast<long long>(prompt),
              static_cast<long long>(new_tokens), load_s, prefill_s, decode_s,
              peak_rss_mb, rss_after_load_mb, peak_rss_load_mb, peak_rss_prefill_mb, kv_cache_mb,
              static_cast<long long>(prefill_chunk));
  return 0;
}
