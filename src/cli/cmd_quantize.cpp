// `hfcpp quantize IN.gguf OUT.gguf TYPE [--imatrix FILE] [--allow-requantize] [--pure]
//  [--output-tensor-type T] [--token-embedding-type T] [--json]`: llama-quantize's mixes
// (docs/quantize.md). Prints the per-type tensor counts and sizes; --json one object with every tensor.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/progress.h"
#include "hfcpp/formats/gguf_quantize.h"
#include "hfcpp/quant/quant.h"

namespace hfcpp::cli {

namespace {

struct QuantizeOptions {
  std::string input, output, type, imatrix, output_tensor_type, token_embedding_type;
  bool allow_requantize = false, pure = false, dry_run = false, json = false;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::optional<quant::GgmlType> parse_type_option(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  const auto t = quant::parse_ggml_type(text);
  HFCPP_CHECK(t.has_value() && quant::can_quantize(*t), ErrorCode::Usage,
              "[quantize] {} '{}': expected a ggml type hfcpp can write (e.g. Q8_0, Q6_K, F16)", flag, text);
  return t;
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

void run_quantize(const QuantizeOptions& o) {
  const auto ftype = formats::parse_llama_ftype(o.type);
  HFCPP_CHECK(ftype.has_value(), ErrorCode::Usage, "[quantize] unknown type '{}': expected one of {}", o.type,
              join(formats::supported_quantize_mixes()));
  formats::GgufQuantizeOptions options;
  options.ftype = *ftype;
  options.allow_requantize = o.allow_requantize;
  options.pure = o.pure;
  options.dry_run = o.dry_run;
  options.output_tensor_type = parse_type_option(o.output_tensor_type, "--output-tensor-type");
  options.token_embedding_type = parse_type_option(o.token_embedding_type, "--token-embedding-type");
  formats::ImportanceMatrix imatrix;
  if (!o.imatrix.empty()) {
    imatrix = formats::load_imatrix(o.imatrix);
    options.imatrix = &imatrix;
  }
  std::unique_ptr<core::ProgressBar> bar;  // created once the input's size is known
  options.on_progress = [&bar](uint64_t done, uint64_t total) {
    if (!bar) bar = std::make_unique<core::ProgressBar>("quantize", total, "B");
    bar->set(done);
  };
  const auto start = std::chrono::steady_clock::now();
  const formats::GgufQuantizeReport r = formats::quantize_gguf(o.input, o.output, options);
  if (bar) bar->finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double n = static_cast<double>(std::max<uint64_t>(1, r.n_elements));
  const double bpw_in = 8.0 * static_cast<double>(r.bytes_in) / n, bpw_out = 8.0 * static_cast<double>(r.bytes_out) / n;

  if (o.json) {
    core::OrderedJson tensors = core::OrderedJson::array();
    for (const auto& t : r.tensors)
      tensors.push_back({{"name", t.name},
                         {"ne", t.ne},
                         {"from", quant::ggml_type_info(t.from).name},
                         {"type", quant::ggml_type_info(t.to).name},
                         {"bytes", t.bytes_out},
                         {"imatrix", t.used_imatrix}});
    core::OrderedJson j = {{"input", o.input},
                           {"output", o.output},
                           {"ftype", formats::llama_ftype_name(*ftype)},
                           {"file_type", static_cast<uint32_t>(*ftype)},
                           {"bytes_in", r.bytes_in},
                           {"bytes_out", r.bytes_out},
                           {"bpw_in", bpw_in},
                           {"bpw_out", bpw_out},
                           {"n_fallback", r.n_fallback},
                           {"seconds", seconds},
                           {"tensors", std::move(tensors)}};
    std::puts(j.dump().c_str());
    return;
  }
  std::map<std::string, std::pair<int, uint64_t>> by_type;
  for (const auto& t : r.tensors) {
    auto& e = by_type[quant::ggml_type_info(t.to).name];
    ++e.first;
    e.second += t.bytes_out;
  }
  fmt::print("{} -> {}{} ({}, general.file_type {})\n", o.input, o.output, o.dry_run ? " (dry run)" : "", formats::llama_ftype_name(*ftype),
             static_cast<uint32_t>(*ftype));
  fmt::print("{:<8} {:>8} {:>12}\n", "type", "tensors", "MiB");
  for (const auto& [name, e] : by_type) fmt::print("{:<8} {:>8} {:>12.2f}\n", name, e.first, mib(e.second));
  fmt::print("model size: {:.2f} MiB ({:.2f} BPW) -> {:.2f} MiB ({:.2f} BPW) in {:.1f} s\n", mib(r.bytes_in), bpw_in,
             mib(r.bytes_out), bpw_out, seconds);
  if (r.n_fallback > 0)
    fmt::print("{} tensor(s) had rows that are not a whole number of blocks and used a fallback type\n", r.n_fallback);
}

}  // namespace

void register_quantize(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<QuantizeOptions>();
  auto* cmd = app.add_subcommand("quantize", "Quantize a GGUF file with llama.cpp's mixes (Q4_K_M, Q8_0, ...)");
  cmd->add_option("IN", o->input, "Input .gguf (F32/F16/BF16; quantized input needs --allow-requantize)")
      ->required();
  cmd->add_option("OUT", o->output, "Output .gguf")->required();
  cmd->add_option("TYPE", o->type, "Mix: " + join(formats::supported_quantize_mixes()))->required();
  cmd->add_option("--imatrix", o->imatrix, "Importance matrix (llama.cpp imatrix .dat or GGUF)");
  cmd->add_flag("--allow-requantize", o->allow_requantize, "Accept tensors that are already quantized");
  cmd->add_flag("--dry-run", o->dry_run, "Only choose the types and sizes; write nothing");
  cmd->add_flag("--pure", o->pure, "Default type for every quantizable tensor (no mix rules)");
  cmd->add_option("--output-tensor-type", o->output_tensor_type, "Type for output.weight");
  cmd->add_option("--token-embedding-type", o->token_embedding_type, "Type for token_embd.weight");
  cmd->add_flag("--json", o->json, "Print one JSON object with every tensor's type");
  cmd->callback([o] {
    if (o->json) core::ProgressBar::set_globally_enabled(false);
    run_quantize(*o);
  });
}

}  // namespace hfcpp::cli
