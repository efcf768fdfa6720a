// Sentence-embedding throughput of hfcpp on a sentence-transformers model, for bench/embed_bench.py.
//   embed_bench MODEL SEQ_TOKENS BATCH REPEATS [auto|f32|bf16|f16]
//   -> one JSON line {"batch", "seconds_per_batch", "load_s", "first_embedding_s" (process start of
//      loading to the first embedding, one text), "peak_rss_mb" (VmHWM, MiB), ...}
// Texts are built to tokenize to exactly SEQ_TOKENS tokens (with [CLS]/[SEP]).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hfcpp/core/thread_pool.h"
#include "proc_status.h"
#include "hfcpp/pipelines/sentence_embeddings.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: embed_bench MODEL SEQ_TOKENS BATCH REPEATS\n");
    return 2;
  }
  const std::string model = argv[1];
  const int seq = std::atoi(argv[2]), batch = std::atoi(argv[3]), repeats = std::atoi(argv[4]);
  auto t0 = std::chrono::steady_clock::now();
  hfcpp::models::LoadOptions options;
  options.dtype = hfcpp::models::parse_dtype_option(argc > 5 ? argv[5] : "auto");
  auto embedder = hfcpp::pipelines::SentenceEmbedder::load(model, options);
  std::vector<std::string> texts;
  for (int i = 0; i < batch; ++i) {
    std::string t;
    // "word" is one token in the uncased BERT vocabulary; seq - 2 words plus [CLS] and [SEP].
    for (int w = 0; w < seq - 2; ++w) t += (w ? " " : "") + std::string(w % 2 ? "word" : "text");
    texts.push_back(t);
  }
  auto t1 = std::chrono::steady_clock::now();
  auto first = embedder.embed(std::vector<std::string>{texts[0]}, 1);  // warm-up, first embedding
  auto t2 = std::chrono::steady_clock::now();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto a = std::chrono::steady_clock::now();
    auto e = embedder.embed(texts, batch);
    auto b = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(b - a).count());
  }
  std::printf("{\"impl\": \"hfcpp\", \"batch\": %d, \"seq\": %d, \"threads\": %d, \"seconds_per_batch\": %.6f, "
              "\"sentences_per_s\": %.2f, \"load_s\": %.4f, \"first_embedding_s\": %.4f, \"peak_rss_mb\": %.1f}\n",
              batch, seq, hfcpp::core::num_threads(), best, batch / best,
              std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t0).count(),
              hfcpp::bench::proc_status_mb("VmHWM:"));
  return 0;
}
