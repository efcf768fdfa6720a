// `hfcpp embed [TEXT...] [--model M] [--json]`: sentence embeddings (sentence-transformers'
// modules: encoder, pooling, normalize). For people it prints each text's embedding summary and,
// with two or more texts, ranks texts 2..N by cosine similarity to the first (the query).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/input_lines.h"
#include "hfcpp/core/json.h"
#include "hfcpp/pipelines/sentence_embeddings.h"

namespace hfcpp::cli {

namespace {
struct EmbedOptions {
  std::string model = "sentence-transformers/all-MiniLM-L6-v2";
  std::vector<std::string> texts;
  std::string dtype = "auto";
  bool json = false;
  bool json_input = false;
  int64_t batch_size = 32;
};

std::string shorten(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  return s.substr(0, cut) + "...";
}

void run_embed(const EmbedOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  models::LoadOptions load;
  load.dtype = models::parse_dtype_option(o.dtype);
  auto embedder = pipelines::SentenceEmbedder::load(o.model, load);
  auto t1 = std::chrono::steady_clock::now();
  std::vector<std::string> texts = read_text_inputs(o.texts, o.json_input);
  HFCPP_CHECK(!texts.empty(), ErrorCode::Usage, "[embed] no input: give texts as arguments or one per stdin line");
  tensor::Tensor emb = embedder.embed(texts, o.batch_size);
  auto t2 = std::chrono::steady_clock::now();
  const int64_t n = emb.size(0), dim = emb.size(1);
  const float* p = emb.data<float>();
  if (o.json) {
    core::Json out;
    out["model"] = o.model;
    out["dimension"] = dim;
    out["normalized"] = embedder.normalizes();
    core::Json rows = core::Json::array();
    for (int64_t i = 0; i < n; ++i) rows.push_back(std::vector<float>(p + i * dim, p + (i + 1) * dim));
    out["embeddings"] = std::move(rows);
    std::puts(out.dump().c_str());
    return;
  }
  double load_s = std::chrono::duration<double>(t1 - t0).count();
  double run_s = std::chrono::duration<double>(t2 - t1).count();
  fmt::print("model: {} ({}-dim{}, max {} tokens)\n", o.model, dim,
             embedder.normalizes() ? ", normalized" : "", embedder.max_seq_length());
  fmt::print("loaded in {:.2f} s; embedded {} text(s) in {:.3f} s\n\n", load_s, n, run_s);
  for (int64_t i = 0; i < n; ++i) {
    fmt::print("[{}] {}\n    [", i, shorten(texts[i], 70));
    for (int64_t d = 0; d < std::min<int64_t>(dim, 6); ++d) fmt::print("{}{:+.4f}", d ? ", " : "", p[i * dim + d]);
    fmt::print("{}]\n", dim > 6 ? ", ..." : "");
  }
  if (n >= 2) {
    std::vector<std::pair<float, int64_t>> ranked;
    for (int64_t i = 1; i < n; ++i) ranked.push_back({pipelines::cosine_similarity(emb, 0, i), i});
    std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first; });
    fmt::print("\nmost similar to [0] \"{}\":\n", shorten(texts[0], 60));
    for (size_t r = 0; r < ranked.size(); ++r)
      fmt::print("  {:2}. {:.4f}  [{}] {}\n", r + 1, ranked[r].first, ranked[r].second,
                 shorten(texts[ranked[r].second], 60));
  }
}
}  // namespace

void register_embed(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<EmbedOptions>();
  auto* cmd = app.add_subcommand("embed", "Sentence embeddings (sentence-transformers models) and a similarity ranking");
  cmd->add_option("TEXT", opts->texts, "Texts to embed (default: one per stdin line)");
  cmd->add_option("-m,--model", opts->model, "Model folder or Hub repo id in the cache")->capture_default_str();
  cmd->add_option("--dtype", opts->dtype, "Weights dtype: auto|f32|bf16|f16")->capture_default_str();
  cmd->add_option("--batch-size", opts->batch_size, "Texts per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", opts->json, "Print one JSON object with the embeddings");
  cmd->add_flag("--json-input", opts->json_input, "Each stdin line is a JSON string");
  cmd->callback([opts] { run_embed(*opts); });
}

}  // namespace hfcpp::cli
