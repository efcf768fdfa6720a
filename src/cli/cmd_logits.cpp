// `hfcpp logits MODEL --ids 1,2,3 [--steps N] [--cache KIND] [--dtype D] [--json]` (hidden, for
// debugging and the live differential tests): the causal LM's logits for every prompt position,
// then N greedy decode steps (argmax fed back, as generate() does) through the chosen KV cache.
// --dtype quantized (GGUF only, as for `hfcpp run`): block-quantized weights multiplied as stored.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/json.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"

namespace hfcpp::cli {

namespace {

struct LogitsOptions {
  std::string model;
  std::string ids;
  int64_t steps = 0;
  std::string cache = "dynamic", cache_dtype = "auto";
  std::string dtype = "auto";
  int64_t residual_length = 128;
  int64_t group_size = 64;
  bool json = false;
};

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    HFCPP_CHECK(!item.empty() && end && *end == '\0', ErrorCode::Usage,
                "[logits] --ids '{}': '{}' is not an integer token id", text, item);
    ids.push_back(v);
  }
  HFCPP_CHECK(!ids.empty(), ErrorCode::Usage, "[logits] --ids is empty: expected comma-separated token ids");
  return ids;
}

void print_top(const float* row, int64_t vocab, const std::string& label) {
  std::vector<int64_t> order(vocab);
  for (int64_t i = 0; i < vocab; ++i) order[i] = i;
  const int64_t k = std::min<int64_t>(5, vocab);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) { return row[a] > row[b]; });
  fmt::print("{:>12}:", label);
  for (int64_t i = 0; i < k; ++i) fmt::print("  {}={:+.4f}", order[i], row[order[i]]);
  fmt::print("\n");
}

void run_logits(const LogitsOptions& o) {
  models::LoadOptions load;
  load.quantized_matmuls = o.dtype == "quantized";
  load.dtype = load.quantized_matmuls ? std::nullopt : models::parse_dtype_option(o.dtype);
  const models::KvCacheKind kind = models::parse_kv_cache_kind(o.cache);
  HFCPP_CHECK(o.steps >= 0, ErrorCode::Usage, "[logits] --steps {} must be >= 0", o.steps);
  const std::vector<int64_t> ids = parse_ids(o.ids);
  auto lm = models::load_causal_lm(o.model, load);
  const int64_t T = static_cast<int64_t>(ids.size()), V = lm->vocab_size();
  auto cache = lm->make_cache({.kind = kind, .batch = 1, .max_length = T + o.steps,
                               .residual_length = o.residual_length, .group_size = o.group_size,
                               .dtype = models::parse_kv_cache_dtype(o.cache_dtype)});
  auto out = lm->forward({.input_ids = tensor::Tensor::from_data<int64_t>(ids, {1, T})}, *cache);
  const std::vector<float> prompt = out.logits.to_float_vector();
  core::Json steps = core::Json::array();
  std::vector<float> last(prompt.end() - V, prompt.end());
  std::vector<std::pair<int64_t, std::vector<float>>> decoded;
  for (int64_t s = 0; s < o.steps; ++s) {
    const int64_t next = std::max_element(last.begin(), last.end()) - last.begin();
    const std::vector<int64_t> tok{next};
    auto step = lm->forward({.input_ids = tensor::Tensor::from_data<int64_t>(tok, {1, 1}),
                             .last_token_logits_only = true},
                            *cache);
    last = step.logits.to_float_vector();
    decoded.emplace_back(next, last);
  }
  if (o.json) {
    core::Json j;
    j["model_type"] = lm->config().model_type();
    j["vocab_size"] = V;
    core::Json rows = core::Json::array();
    for (int64_t t = 0; t < T; ++t)
      rows.push_back(std::vector<float>(prompt.begin() + t * V, prompt.begin() + (t + 1) * V));
    j["prompt_logits"] = std::move(rows);
    for (auto& [token, logits] : decoded) steps.push_back({{"token", token}, {"logits", logits}});
    j["steps"] = std::move(steps);
    std::puts(j.dump().c_str());
    return;
  }
  fmt::print("{} ({} positions, vocab {}), top-5 logits per position:\n", lm->config().model_type(), T, V);
  for (int64_t t = 0; t < T; ++t) print_top(prompt.data() + t * V, V, fmt::format("pos {} ({})", t, ids[t]));
  for (size_t s = 0; s < decoded.size(); ++s)
    print_top(decoded[s].second.data(), V, fmt::format("step {} ({})", s, decoded[s].first));
}

}  // namespace

void register_logits(CLI::App& app, GlobalOptions& /*global*/) {
  auto opts = std::make_shared<LogitsOptions>();
  auto* cmd = app.add_subcommand("logits", "Causal LM logits for token ids (debugging)");
  cmd->group("");  // hidden from --help
  cmd->add_option("MODEL", opts->model, "Model folder or Hub repo id in the cache")->required();
  cmd->add_option("--ids", opts->ids, "Comma-separated prompt token ids")->required();
  cmd->add_option("--steps", opts->steps, "Greedy decode steps after the prompt")->capture_default_str();
  cmd->add_option("--cache", opts->cache, "KV cache: dynamic|static|sliding|int8|int4")->capture_default_str();
  cmd->add_option("--dtype", opts->dtype, "Weights dtype: auto|f32|bf16|f16, or quantized (GGUF: block-quantized "
                  "weights multiplied as they are, llama.cpp's numerics)")->capture_default_str();
  cmd->add_option("--cache-dtype", opts->cache_dtype, "KV cache element type: auto|f32|f16")->capture_default_str();
  cmd->add_option("--residual-length", opts->residual_length, "Quantized cache: newest positions kept in f32")
      ->capture_default_str();
  cmd->add_option("--group-size", opts->group_size, "Quantized cache: elements per group")->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print one JSON object with every logit");
  cmd->callback([opts] { run_logits(*opts); });
}

}  // namespace hfcpp::cli
