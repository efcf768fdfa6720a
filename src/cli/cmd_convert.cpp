// `hfcpp convert MODEL --outfile X.gguf [--outtype f32|f16|bf16|q8_0] [--model-name N] [--dry-run]
//  [--json]`: a Hugging Face safetensors decoder -> GGUF, as llama.cpp's convert_hf_to_gguf.py
// (docs/convert.md). Prints the tensors written and the file size.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/convert/hf_to_gguf.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/progress.h"

namespace hfcpp::cli {

namespace {

struct ConvertCliOptions {
  std::string model, outfile, outtype = "f16", model_name;
  bool dry_run = false, json = false;
};

void run_convert(const ConvertCliOptions& o) {
  const auto outtype = convert::parse_out_type(o.outtype);
  HFCPP_CHECK(outtype.has_value(), ErrorCode::Usage, "[convert] --outtype '{}': expected f32, f16, bf16 or q8_0",
              o.outtype);
  convert::ConvertOptions options;
  options.model = o.model;
  options.outfile = o.outfile;
  options.outtype = *outtype;
  options.model_name = o.model_name;
  options.dry_run = o.dry_run;
  std::unique_ptr<core::ProgressBar> bar;
  options.on_progress = [&bar](uint64_t done, uint64_t total) {
    if (!bar) bar = std::make_unique<core::ProgressBar>("convert", total, "B");
    bar->set(done);
  };
  const auto start = std::chrono::steady_clock::now();
  const convert::ConvertReport r = convert::convert_hf_to_gguf(options);
  if (bar) bar->finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.json) {
    core::OrderedJson tensors = core::OrderedJson::array();
    for (const auto& t : r.tensors)
      tensors.push_back({{"name", t.name}, {"hf_name", t.hf_name}, {"ne", t.ne},
                         {"type", quant::ggml_type_info(t.type).name}, {"bytes", t.bytes}});
    core::OrderedJson j = {{"model", r.folder},       {"output", o.outfile},     {"architecture", r.architecture},
                           {"outtype", o.outtype},    {"file_type", static_cast<uint32_t>(*outtype)},
                           {"n_params", r.n_params},  {"n_metadata", r.n_metadata}, {"bytes", r.bytes_out},
                           {"dry_run", o.dry_run},    {"seconds", seconds},      {"tensors", std::move(tensors)}};
    std::puts(j.dump().c_str());
    return;
  }
  std::map<std::string, std::pair<int, uint64_t>> by_type;
  for (const auto& t : r.tensors) {
    auto& e = by_type[quant::ggml_type_info(t.type).name];
    ++e.first;
    e.second += t.bytes;
  }
  fmt::print("{} -> {}{} ({}, {}, {} params, {} metadata keys)\n", r.folder, o.outfile, o.dry_run ? " (dry run)" : "",
             r.architecture, o.outtype, r.n_params, r.n_metadata);
  fmt::print("{:<8} {:>8} {:>12}\n", "type", "tensors", "MiB");
  for (const auto& [name, e] : by_type)
    fmt::print("{:<8} {:>8} {:>12.2f}\n", name, e.first, static_cast<double>(e.second) / (1024.0 * 1024.0));
  fmt::print("file size: {:.2f} MiB in {:.2f} s\n", static_cast<double>(r.bytes_out) / (1024.0 * 1024.0), seconds);
}

}  // namespace

void register_convert(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<ConvertCliOptions>();
  auto* cmd = app.add_subcommand("convert", "Convert a Hugging Face safetensors decoder to GGUF (convert_hf_to_gguf.py)");
  cmd->add_option("MODEL", o->model, "Model folder (config.json + safetensors + tokenizer.json) or cached Hub repo id")
      ->required();
  cmd->add_option("--outfile", o->outfile, "Output .gguf")->required();
  cmd->add_option("--outtype", o->outtype, "f32, f16 (default), bf16 or q8_0")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0"}));
  cmd->add_option("--model-name", o->model_name, "general.name (default: from the folder name)");
  cmd->add_flag("--dry-run", o->dry_run, "Plan only: print the tensors and types, write nothing");
  cmd->add_flag("--json", o->json, "Print one JSON object with every tensor");
  cmd->callback([o] {
    if (o->json) core::ProgressBar::set_globally_enabled(false);
    run_convert(*o);
  });
}

}  // namespace hfcpp::cli
