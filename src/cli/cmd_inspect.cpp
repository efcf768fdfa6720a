// `hfcpp inspect PATH [--json]`: the tensors (name, dtype, shape), total parameters and bytes,
// and metadata of a safetensors file, a model.safetensors.index.json, a model folder, or a Hub
// repo id (org/name[@revision]) already in the Hugging Face cache; GGUF files go to inspect_gguf.cpp.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/inspect_gguf.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/progress.h"
#include "hfcpp/formats/sharded_safetensors.h"
#include "hfcpp/hub/cache.h"

namespace hfcpp::cli {

namespace {

bool has_suffix(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_gguf(const std::string& path) {
  if (std::filesystem::is_directory(path)) return false;
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, 4);
  return has_suffix(path, ".gguf") || (in.gcount() == 4 && std::string_view(magic, 4) == "GGUF");
}

// Formats hfcpp does not summarise get a clear Unsupported instead of a parse error.
void reject_other_formats(const std::string& path) {
  if (std::filesystem::is_directory(path)) return;
  for (const char* ext : {".bin", ".pt", ".pth", ".ckpt"})
    HFCPP_CHECK(!has_suffix(path, ext), ErrorCode::Unsupported,
                "[inspect] PyTorch pickle checkpoints ({}) are not supported: '{}', expected "
                ".safetensors, an index .json or a model folder",
                ext, path);
}

void print_human(const std::string& arg, const std::string& resolved,
                 const formats::ShardedSafetensors& ckpt, uint64_t parameters, uint64_t bytes) {
  std::vector<std::string> names = ckpt.names();
  std::vector<std::string> shapes;
  size_t name_width = 4, dtype_width = 5;
  for (const auto& name : names) {
    const auto& info = ckpt.info(name);
    name_width = std::max(name_width, name.size());
    dtype_width = std::max(dtype_width, info.dtype_name.size());
    shapes.push_back(tensor::shape_to_string(info.shape));
  }
  std::string out;
  if (resolved != arg) out += fmt::format("{} -> {}\n", arg, resolved);
  out += fmt::format("{:<{}}  {:<{}}  {}\n", "name", name_width, "dtype", dtype_width, "shape");
  for (size_t i = 0; i < names.size(); ++i)
    out += fmt::format("{:<{}}  {:<{}}  {}\n", names[i], name_width, ckpt.info(names[i]).dtype_name,
                       dtype_width, shapes[i]);
  out += fmt::format("\ntensors:    {}\nparameters: {} ({})\nbytes:      {} ({})\nfiles:      {}\n",
                     names.size(), core::format_count(parameters), parameters,
                     core::format_bytes(bytes), bytes, ckpt.shards().size());
  auto metadata = ckpt.metadata();
  if (!metadata.empty()) {
    out += "metadata:\n";
    for (const auto& [k, v] : metadata) out += fmt::format("  {}: {}\n", k, v);
  }
  std::fputs(out.c_str(), stdout);
}

void run_inspect(const std::string& arg, bool as_json, std::optional<size_t> max_array) {
  const std::string path = hub::resolve_model_path(arg);
  if (is_gguf(path)) return inspect_gguf(path, as_json, max_array);
  reject_other_formats(path);
  auto ckpt = formats::ShardedSafetensors::open(path);

  uint64_t parameters = 0, bytes = 0;
  core::OrderedJson tensors = core::OrderedJson::array();
  for (const auto& name : ckpt.names()) {
    const auto& info = ckpt.info(name);
    parameters += static_cast<uint64_t>(info.numel());
    bytes += info.nbytes();
    if (as_json) tensors.push_back({{"name", name}, {"dtype", info.dtype_name}, {"shape", info.shape}});
  }
  if (!as_json) {
    print_human(arg, ckpt.index_path() ? *ckpt.index_path() : ckpt.shards()[0].path(), ckpt,
                parameters, bytes);
    return;
  }
  core::OrderedJson out = {{"format", "safetensors"},
                           {"tensors", std::move(tensors)},
                           {"parameters", parameters},
                           {"bytes", bytes},
                           {"metadata", ckpt.metadata()}};
  // Names come from validated UTF-8 headers; replace rather than throw in any case.
  std::string text = out.dump(-1, ' ', false, core::OrderedJson::error_handler_t::replace);
  std::puts(text.c_str());
}

}  // namespace

void register_inspect(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "inspect",
      "Summarise a safetensors file, index, model folder, GGUF file or cached Hub model (org/name[@revision])");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto max_array = std::make_shared<size_t>(0);
  cmd->add_option("PATH", *path,
                  "A .safetensors file, a model.safetensors.index.json, a model folder, a .gguf file, or a Hub "
                  "repo id org/name[@revision] in the Hugging Face cache")
      ->required();
  cmd->add_flag("--json", *json,
                "Print one JSON object: {format, tensors: [{name, dtype, shape}], parameters, "
                "bytes, metadata}; for GGUF {format, version, alignment, data_offset, metadata, "
                "metadata_types, tensors: [{name, type, shape, offset, bytes}], tensor_types, parameters, bytes}");
  auto* max_array_opt = cmd->add_option("--max-array", *max_array,
                  "GGUF: summarise metadata arrays with more than N items as \"[N strings]\" (default: 8 "
                  "in text, all items with --json)");
  cmd->callback([path, json, max_array, max_array_opt] {
    run_inspect(*path, *json, max_array_opt->count() ? std::optional<size_t>(*max_array) : std::nullopt);
  });
}

}  // namespace hfcpp::cli
