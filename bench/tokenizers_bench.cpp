// Encode throughput (MB/s of UTF-8 input) on the shared DEV corpus, single-threaded and with
// all cores (encode_batch), for the tokenizers named on the command line.
// Usage: tokenizers_bench DATA_DIR [NAME...]   (prints one JSON line per tokenizer)
#include <chrono>
#ifndef HFCPP_BENCH_DEFAULT_DATA
#define HFCPP_BENCH_DEFAULT_DATA "../shared/data/tokenizers"
#endif
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tokenizers/tokenizer.h"

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : HFCPP_BENCH_DEFAULT_DATA;
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) names.push_back(argv[i]);
  if (names.empty()) names = {"gpt2", "llama3_1", "bert-base-uncased"};
  std::vector<std::string> texts;
  std::ifstream f(dir + "/corpus/dev.jsonl");
  std::string line;
  size_t bytes = 0;
  while (std::getline(f, line)) {
    texts.push_back(hfcpp::core::Json::parse(line).get<std::string>());
    bytes += texts.back().size();
  }
  const int kRepeat = 5;
  for (const auto& name : names) {
    auto tok = hfcpp::tokenizers::Tokenizer::load(dir + "/" + name);
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);
    for (const auto& t : texts) (void)tok.encode(t, false);  // warm the word cache
    auto t0 = std::chrono::steady_clock::now();
    size_t n_tokens = 0;
    for (int r = 0; r < kRepeat; ++r)
      for (const auto& t : texts) n_tokens += tok.encode(t, false).size();
    auto t1 = std::chrono::steady_clock::now();
    for (int r = 0; r < kRepeat; ++r) (void)tok.encode_batch(texts, false);
    auto t2 = std::chrono::steady_clock::now();
    double mb = double(bytes) * kRepeat / 1e6;
    std::printf("{\"tokenizer\": \"%s\", \"mb_per_s_1thread\": %.2f, \"mb_per_s_all\": %.2f, \"threads\": %d, \"tokens\": %zu}\n",
                name.c_str(), mb / std::chrono::duration<double>(t1 - t0).count(),
                mb / std::chrono::duration<double>(t2 - t1).count(), hfcpp::core::num_threads(), n_tokens / kRepeat);
  }
}
