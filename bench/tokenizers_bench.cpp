// Encode throughput (MB/s of UTF-8 input) on the shared DEV corpus, single-threaded and with
// all cores (encode_batch), for the tokenizers named on the command line.
// Usage: tokenizers_bench DATA_DIR [NAME...]   (prints one JSON line per tokenizer)
// The 1-thread figure is also given per second of process CPU time (steadier on a loaded machine).
#include <time.h>

#include <algorithm>
#include <chrono>
#ifndef HFCPP_BENCH_DEFAULT_DATA
#define HFCPP_BENCH_DEFAULT_DATA "../shared/data/tokenizers"
#endif
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace {
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}
}  // namespace

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
  // HFCPP_BENCH_REPEAT: more passes for profiling (the Python driver assumes the default 5).
  const char* repeat_env = std::getenv("HFCPP_BENCH_REPEAT");
  const int kRepeat = repeat_env ? std::max(1, std::atoi(repeat_env)) : 5;
  for (const auto& name : names) {
    auto tok = hfcpp::tokenizers::Tokenizer::load(dir + "/" + name);
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);
    for (const auto& t : texts) (void)tok.encode(t, false);  // warm the word cache
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    size_t n_tokens = 0;
    for (int r = 0; r < kRepeat; ++r)
      for (const auto& t : texts) n_tokens += tok.encode(t, false).size();
    double cpu = cpu_seconds() - c0;
    auto t1 = std::chrono::steady_clock::now();
    for (int r = 0; r < kRepeat; ++r) (void)tok.encode_batch(texts, false);
    auto t2 = std::chrono::steady_clock::now();
    double mb = double(bytes) * kRepeat / 1e6;
    std::printf("{\"tokenizer\": \"%s\", \"mb_per_s_1thread\": %.2f, \"cpu_mb_per_s_1thread\": %.2f, "
                "\"mb_per_s_all\": %.2f, \"threads\": %d, \"tokens\": %zu}\n",
                name.c_str(), mb / std::chrono::duration<double>(t1 - t0).count(), mb / cpu,
                mb / std::chrono::duration<double>(t2 - t1).count(), hfcpp::core::num_threads(), n_tokens / kRepeat);
  }
}
