// `hfcpp perplexity MODEL --file TEXT [--ctx N] [--batch N] [--chunks N] [--json]`: perplexity
// chunked as llama.cpp's llama-perplexity does (see hfcpp/generation/perplexity.h), printing the
// running estimate per chunk `[1]x.xxxx,[2]...` and `Final estimate: PPL = X +/- Y`.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/corpus_text.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/generation/model_assets.h"
#include "hfcpp/generation/perplexity.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"

namespace hfcpp::cli {

namespace {

struct PerplexityCliOptions {
  std::string model, file, dtype = "auto";
  int64_t ctx = 512, batch = 2048, chunks = -1;
  bool json = false;
};

void run_perplexity(const PerplexityCliOptions& o) {
  const std::string text = read_corpus_file(o.file, "perplexity");
  generation::ModelAssets assets = generation::load_model_assets(o.model);
  models::LoadOptions load;
  load.quantized_matmuls = o.dtype == "quantized";
  load.dtype = load.quantized_matmuls ? std::nullopt : models::parse_dtype_option(o.dtype);
  auto lm = models::load_causal_lm(assets.model_path, load);
  const auto start = std::chrono::steady_clock::now();
  std::vector<int64_t> tokens;
  for (uint32_t id : assets.tokenizer.encode(text, true).ids) tokens.push_back(id);
  generation::PerplexityOptions options;
  options.n_ctx = o.ctx;
  options.n_batch = o.batch;
  options.max_chunks = o.chunks;
  options.bos_id = added_bos(assets.tokenizer);
  if (!o.json)
    options.on_chunk = [](int64_t chunk, double ppl) {
      fmt::print("[{}]{:.4f},", chunk, ppl);
      std::fflush(stdout);
    };
  const generation::PerplexityResult r = generation::perplexity(*lm, tokens, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.json) {
    core::OrderedJson j = {{"model", o.model},
                           {"file", o.file},
                           {"n_tokens", r.n_tokens},
                           {"n_ctx", r.n_ctx},
                           {"n_batch", std::min(o.batch, o.ctx)},
                           {"n_chunks", r.n_chunks},
                           {"add_bos", options.bos_id.has_value()},
                           {"scored_tokens", r.count},
                           {"chunks", r.running},
                           {"nll", r.nll},
                           {"ppl", r.ppl},
                           {"ppl_error", r.ppl_error},
                           {"seconds", seconds}};
    std::puts(j.dump().c_str());
    return;
  }
  fmt::print("\nFinal estimate: PPL = {:.4f} +/- {:.5f}\n", r.ppl, r.ppl_error);
  std::fflush(stdout);
  std::fprintf(stderr, "%lld tokens, %lld chunks of %lld, %lld scored, %.1f s\n", static_cast<long long>(r.n_tokens),
               static_cast<long long>(r.n_chunks), static_cast<long long>(r.n_ctx), static_cast<long long>(r.count),
               seconds);
}

}  // namespace

void register_perplexity(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<PerplexityCliOptions>();
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a causal LM on a text file (llama-perplexity's chunking)");
  cmd->add_option("MODEL", o->model, "A .gguf file, a model folder or a Hub repo id in the cache")->required();
  cmd->add_option("-f,--file", o->file, "Plain-text file to score")->required();
  cmd->add_option("-c,--ctx", o->ctx, "Tokens per chunk (the second half of each is scored)")->capture_default_str();
  cmd->add_option("-b,--batch", o->batch, "Tokens per forward pass (at most --ctx)")->capture_default_str();
  cmd->add_option("--chunks", o->chunks, "Score at most this many chunks (-1: all)")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "Weights dtype: auto|f32|bf16|f16, or quantized (GGUF: block-quantized "
                  "weights multiplied as they are and an f16 KV cache, llama-perplexity's numerics)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object (running estimates, ppl, ppl_error, tokens)");
  cmd->callback([o] { run_perplexity(*o); });
}

}  // namespace hfcpp::cli
