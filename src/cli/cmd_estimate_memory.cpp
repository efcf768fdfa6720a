// `hfcpp estimate-memory MODEL [--batch B] [--seq-len L] [--dtype D] [--json]`: weights,
// activations and KV cache from config.json alone, cross-checked with the safetensors headers
// when the folder has weights.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/json.h"
#include "hfcpp/models/memory_estimate.h"

namespace hfcpp::cli {

namespace {

struct EstimateOptions {
  std::string model, dtype = "auto";
  int64_t batch = 1, seq_len = 512;
  bool json = false;
};

std::string human_bytes(int64_t b) {
  const double v = static_cast<double>(b);
  if (v >= 1e9) return fmt::format("{:.2f} GB", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} MB", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.2f} kB", v / 1e3);
  return fmt::format("{} B", b);
}

void run_estimate(const EstimateOptions& o) {
  auto e = models::estimate_memory_for(o.model, o.batch, o.seq_len, o.dtype);
  if (o.json) {
    core::Json j = {{"model", o.model},
                    {"model_type", e.model_type},
                    {"architecture", e.architecture},
                    {"dtype", e.dtype_name},
                    {"batch", o.batch},
                    {"seq_len", o.seq_len},
                    {"parameters", e.parameters},
                    {"weights_bytes", e.weights_bytes},
                    {"activations_bytes", e.activations_bytes},
                    {"kv_cache_bytes", e.kv_cache_bytes},
                    {"kv_cache_sliding_bytes", e.kv_cache_sliding_bytes},
                    {"total_bytes", e.total_bytes},
                    {"decoder", e.decoder}};
    if (e.safetensors_parameters) {
      j["safetensors_parameters"] = *e.safetensors_parameters;
      j["safetensors_bytes"] = *e.safetensors_bytes;
      j["parameters_match"] = *e.safetensors_parameters == e.parameters;
    }
    std::puts(j.dump().c_str());
    return;
  }
  fmt::print("model: {} ({}, {})\n", o.model, e.model_type, e.architecture.empty() ? "no architectures" : e.architecture);
  fmt::print("dtype: {} ({} bytes/param), batch {}, sequence {}\n", e.dtype_name, e.bytes_per_param, o.batch, o.seq_len);
  fmt::print("  parameters   {:>14}\n", e.parameters);
  fmt::print("  weights      {:>14}\n", human_bytes(e.weights_bytes));
  fmt::print("  activations  {:>14}  (one layer's working set + output logits, f32)\n", human_bytes(e.activations_bytes));
  if (e.decoder) fmt::print("  KV cache     {:>14}  (f32; {} with --cache sliding)\n", human_bytes(e.kv_cache_bytes),
                            human_bytes(e.kv_cache_sliding_bytes));
  fmt::print("  total        {:>14}\n", human_bytes(e.total_bytes));
  if (e.safetensors_parameters) {
    const bool same = *e.safetensors_parameters == e.parameters;
    fmt::print("safetensors weights present: {} parameters, {} on disk ({})\n", *e.safetensors_parameters,
               human_bytes(*e.safetensors_bytes),
               same ? "matches the config formula"
                    : fmt::format("differs from the formula by {}", *e.safetensors_parameters - e.parameters));
  } else {
    fmt::print("no safetensors weights in the folder: estimate from config.json only\n");
  }
}

}  // namespace

void register_estimate_memory(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<EstimateOptions>();
  auto* cmd = app.add_subcommand("estimate-memory", "Memory needed for weights, activations and KV cache (from config.json)");
  cmd->add_option("MODEL", o->model, "Model folder or Hub repo id in the cache")->required();
  cmd->add_option("--batch", o->batch, "Batch size")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seq-len", o->seq_len, "Sequence length")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--dtype", o->dtype, "Weights dtype: auto|f32|bf16|f16")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_estimate(*o); });
}

}  // namespace hfcpp::cli
