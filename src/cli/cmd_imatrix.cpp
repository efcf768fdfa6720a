// `hfcpp imatrix MODEL --file TEXT [-o imatrix.gguf|imatrix.dat]`: llama.cpp's llama-imatrix.
// The importance matrix of a GGUF model on a calibration text: per weight of a matmul, the sum
// over evaluated tokens of each input column's squared activation, and the token count. The text
// is chunked as llama-imatrix chunks it (generation::perplexity's scheme: --ctx tokens per chunk,
// BOS in front of each chunk when the tokenizer adds one, each chunk from an empty cache), on
// hfcpp's f32 path (block types dequantized). Also:
//   --in-file F (repeatable): merge existing imatrix files first (or only: convert .dat <-> .gguf);
//   --show-statistics --in-file F: llama-imatrix's per-tensor and per-layer statistics.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/corpus_text.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/log.h"
#include "hfcpp/formats/imatrix.h"
#include "hfcpp/generation/model_assets.h"
#include "hfcpp/generation/perplexity.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/imatrix_collector.h"
#include "models/gguf_source.h"

namespace hfcpp::cli {

namespace {

struct ImatrixCliOptions {
  std::string model, file, output = "imatrix.gguf", output_format;
  std::vector<std::string> in_files;
  int64_t ctx = 512, batch = 2048, chunks = -1, from_chunk = 0, output_frequency = 10, save_frequency = 0;
  bool process_output = false, no_ppl = false, show_statistics = false, json = false;
};

core::OrderedJson statistics_json(const formats::ImatrixStatistics& s) {
  core::OrderedJson tensors = core::OrderedJson::array(), layers = core::OrderedJson::array();
  for (const auto& t : s.tensors)
    tensors.push_back({{"tensor", t.tensor}, {"layer", t.layer}, {"name", t.short_name}, {"sum", t.total},
                       {"min", t.min}, {"max", t.max}, {"mean", t.mean}, {"stddev", t.stddev},
                       {"active", t.active}, {"n", t.elements}, {"entropy", t.entropy},
                       {"entropy_norm", t.entropy_norm}, {"zd", t.zd}, {"cossim", t.cossim}});
  for (const auto& l : s.layers) layers.push_back({{"layer", l.layer}, {"sum", l.total}, {"zd", l.zd}, {"cossim", l.cossim}});
  return {{"tensors", std::move(tensors)}, {"layers", std::move(layers)}, {"skipped", s.skipped}};
}

void run_imatrix(const ImatrixCliOptions& o) {
  HFCPP_CHECK(o.ctx > 0, ErrorCode::Usage, "[imatrix] --ctx {}: expected > 0", o.ctx);
  formats::ImatrixStats stats(static_cast<int32_t>(o.ctx));

  if (o.show_statistics) {
    HFCPP_CHECK(o.in_files.size() == 1, ErrorCode::Usage,
                "[imatrix] --show-statistics needs exactly one --in-file, got {}", o.in_files.size());
    stats.merge(formats::read_imatrix_file(o.in_files[0]), o.in_files[0]);
    const formats::ImatrixStatistics s = formats::imatrix_statistics(stats);
    HFCPP_CHECK(!s.tensors.empty(), ErrorCode::Format, "[imatrix] '{}': no tensor has data to compute statistics on",
                o.in_files[0]);
    if (o.json) std::puts(statistics_json(s).dump().c_str());
    else fmt::print("{}\n", formats::format_imatrix_statistics(s, o.in_files[0]));
    return;
  }

  const formats::ImatrixFormat format = o.output_format.empty() ? formats::imatrix_format_for_path(o.output)
                                                                : formats::parse_imatrix_format(o.output_format);
  if (o.output_format.empty() && format == formats::ImatrixFormat::Gguf && !o.output.ends_with(".gguf"))
    HFCPP_LOG_WARN("saving imatrix '{}' in GGUF format (a .dat name or --output-format dat writes the legacy format)",
                   o.output);
  for (const auto& in : o.in_files) {
    HFCPP_LOG_INFO("loading imatrix from '{}'", in);
    stats.merge(formats::read_imatrix_file(in), in);
  }
  core::OrderedJson summary = {{"output", o.output},
                               {"format", format == formats::ImatrixFormat::Gguf ? "gguf" : "dat"},
                               {"in_files", o.in_files}};
  const auto start = std::chrono::steady_clock::now();

  if (o.file.empty()) {
    HFCPP_CHECK(!o.in_files.empty(), ErrorCode::Usage,
                "[imatrix] nothing to do: give MODEL and --file to compute, or --in-file to combine or convert");
  } else {
    HFCPP_CHECK(!o.model.empty(), ErrorCode::Usage, "[imatrix] --file needs a MODEL");
    const std::string text = read_corpus_file(o.file, "imatrix");
    generation::ModelAssets assets = generation::load_model_assets(o.model);
    HFCPP_CHECK(models::is_gguf_path(assets.model_path), ErrorCode::Unsupported,
                "[imatrix] MODEL '{}' is not a GGUF file: the importance matrix is named after llama.cpp's GGUF "
                "tensors, expected a .gguf model",
                o.model);
    models::LoadOptions load;
    load.dtype = tensor::DType::F32;  // block types dequantized: the activations of the f32 path
    auto lm = models::load_causal_lm(assets.model_path, load);

    std::vector<int64_t> tokens;
    for (uint32_t id : assets.tokenizer.encode(text, true).ids) tokens.push_back(id);
    if (o.from_chunk > 0) {
      HFCPP_CHECK(static_cast<size_t>((o.from_chunk + 2) * o.ctx) < tokens.size(), ErrorCode::InvalidArgument,
                  "[imatrix] --chunk {}: {} tokens leave too few after removing {} chunks of {}", o.from_chunk,
                  tokens.size(), o.from_chunk, o.ctx);
      tokens.erase(tokens.begin(), tokens.begin() + o.from_chunk * o.ctx);
    }
    HFCPP_CHECK(static_cast<int64_t>(tokens.size()) >= 2 * o.ctx, ErrorCode::InvalidArgument,
                "[imatrix] '{}' tokenizes to {} tokens: expected at least {} (2 x the context of {})", o.file,
                tokens.size(), 2 * o.ctx, o.ctx);
    stats.set_dataset(o.file);
    models::ImatrixCollector collector(stats, models::gguf_names_of(assets.model_path), o.process_output);

    generation::PerplexityOptions options;
    options.n_ctx = o.ctx;
    options.n_batch = o.batch;
    options.max_chunks = o.chunks;
    options.bos_id = added_bos(assets.tokenizer);
    const int64_t n_chunks = o.chunks < 0 ? static_cast<int64_t>(tokens.size()) / o.ctx
                                          : std::min<int64_t>(o.chunks, static_cast<int64_t>(tokens.size()) / o.ctx);
    HFCPP_LOG_INFO("computing over {} chunks of {} tokens", n_chunks, o.ctx);
    options.on_chunk = [&](int64_t chunk, double ppl) {
      if (!o.no_ppl && !o.json) {
        fmt::print("[{}]{:.4f},", chunk, ppl);
        std::fflush(stdout);
      }
      if (o.output_frequency > 0 && chunk % o.output_frequency == 0 && chunk < n_chunks) stats.write(o.output, format);
      if (o.save_frequency > 0 && chunk % o.save_frequency == 0)
        stats.write(fmt::format("{}.at_{}", o.output, chunk), format);
    };
    generation::PerplexityResult r;
    {
      models::ScopedLinearObserver scope(collector);
      r = generation::perplexity(*lm, tokens, options);
    }
    if (!o.no_ppl && !o.json) fmt::print("\nFinal estimate: PPL = {:.4f} +/- {:.5f}\n", r.ppl, r.ppl_error);
    summary["model"] = o.model;
    summary["file"] = o.file;
    summary["n_tokens"] = r.n_tokens;
    summary["n_chunks"] = r.n_chunks;
    summary["add_bos"] = options.bos_id.has_value();
    if (!o.no_ppl) {
      summary["ppl"] = r.ppl;
      summary["ppl_error"] = r.ppl_error;
    }
  }
  stats.write(o.output, format);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary["entries"] = stats.entries().size();
  summary["chunk_count"] = stats.chunk_count();
  summary["chunk_size"] = stats.chunk_size();
  summary["datasets"] = stats.datasets();
  summary["seconds"] = seconds;
  if (o.json) {
    std::puts(summary.dump().c_str());
    return;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "stored %zu entries (%d chunks of %d tokens) in '%s' (%s) in %.1f s\n", stats.entries().size(),
               stats.chunk_count(), stats.chunk_size(), o.output.c_str(),
               format == formats::ImatrixFormat::Gguf ? "gguf" : "dat", seconds);
}

}  // namespace

void register_imatrix(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<ImatrixCliOptions>();
  auto* cmd = app.add_subcommand("imatrix", "Importance matrix of a GGUF model on a text (llama-imatrix), or "
                                            "merge/convert/inspect imatrix files");
  cmd->add_option("MODEL", o->model, "A .gguf file, or a Hub repo id in the cache holding one .gguf");
  cmd->add_option("-f,--file", o->file, "Calibration text (plain text)");
  cmd->add_option("-o,--output-file,--output", o->output, "Output imatrix")->capture_default_str();
  cmd->add_option("--output-format", o->output_format, "gguf|dat (default: dat for a .dat output name, else gguf)");
  cmd->add_option("--in-file", o->in_files, "Existing imatrix file(s) to load and combine (repeatable)");
  cmd->add_option("-c,--ctx", o->ctx, "Tokens per chunk (the imatrix chunk_size)")->capture_default_str();
  cmd->add_option("-b,--batch", o->batch, "Tokens per forward pass (at most --ctx)")->capture_default_str();
  cmd->add_option("--chunks", o->chunks, "Process at most this many chunks (-1: all)")->capture_default_str();
  cmd->add_option("--chunk,--from-chunk", o->from_chunk, "Skip the first N chunks of the text")->capture_default_str();
  cmd->add_option("--output-frequency", o->output_frequency, "Save the imatrix every N chunks")->capture_default_str();
  cmd->add_option("--save-frequency", o->save_frequency, "Save a copy OUTPUT.at_N every N chunks (0: never)")
      ->capture_default_str();
  cmd->add_flag("--process-output", o->process_output, "Collect output.weight too (an untied LM head)");
  cmd->add_flag("--no-ppl", o->no_ppl, "Do not print the perplexity of the chunks");
  cmd->add_flag("--show-statistics", o->show_statistics, "Print statistics of the one --in-file");
  cmd->add_flag("--json", o->json, "Print one JSON object (the run's summary, or the statistics)");
  cmd->callback([o] { run_imatrix(*o); });
}

}  // namespace hfcpp::cli
