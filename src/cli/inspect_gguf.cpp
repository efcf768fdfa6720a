// `hfcpp inspect X.gguf [--json] [--max-array N]`: a GGUF file's metadata, tensors and totals.
//
// Text: one line per metadata key (type, value; strings JSON-escaped and cut at 160 characters,
// arrays over N items (default 8) summarised as "[49152 strings]"), one line per tensor (name,
// type, shape, file offset, bytes), then totals and the count of tensors per type.
// --json: {"format": "gguf", "version", "alignment", "data_offset",
//          "metadata": {key: value, ...} (file order; every array item unless --max-array N
//          is given, then arrays over N items become "[N <type>s]"),
//          "metadata_types": {key: "UINT32" | "ARRAY[STRING]" | ...},
//          "tensors": [{"name", "type", "shape" (row-major), "offset" (absolute file offset),
//                       "bytes"}], "tensor_types": {type: count}, "parameters", "bytes"}
#include "cli/inspect_gguf.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "hfcpp/core/json.h"
#include "hfcpp/core/progress.h"
#include "hfcpp/formats/gguf.h"

namespace hfcpp::cli {

namespace {

using formats::GgufValue;
using formats::GgufValueType;

std::string type_label(const GgufValue& v) {
  if (!v.is_array()) return formats::gguf_value_type_name(v.type());
  return fmt::format("ARRAY[{}]", formats::gguf_value_type_name(v.element_type()));
}

std::string display(const GgufValue& v, size_t max_items) {
  std::string s = v.to_display(max_items);
  constexpr size_t kMaxChars = 160;
  if (s.size() > kMaxChars) {
    size_t cut = kMaxChars;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    s = fmt::format("{}... ({} bytes)", s.substr(0, cut), s.size());
  }
  return s;
}

}  // namespace

void inspect_gguf(const std::string& path, bool as_json, std::optional<size_t> max_array) {
  const formats::GgufFile f = formats::GgufFile::open(path);
  const auto& h = f.header();
  uint64_t parameters = 0, bytes = 0;
  std::map<std::string, int> type_counts;
  for (const auto& t : f.tensors()) {
    parameters += t.numel();
    bytes += t.nbytes;
    ++type_counts[t.type_name()];
  }

  if (as_json) {
    const size_t limit = max_array.value_or(SIZE_MAX);
    core::OrderedJson metadata = core::OrderedJson::object(), types = core::OrderedJson::object();
    for (const auto& kv : f.metadata()) {
      metadata[kv.key] = kv.value.to_json(limit);
      types[kv.key] = type_label(kv.value);
    }
    core::OrderedJson tensors = core::OrderedJson::array();
    for (const auto& t : f.tensors())
      tensors.push_back({{"name", t.name},
                         {"type", t.type_name()},
                         {"shape", t.shape()},
                         {"offset", h.data_offset + t.offset},
                         {"bytes", t.nbytes}});
    core::OrderedJson out = {{"format", "gguf"},         {"version", h.version},
                             {"alignment", h.alignment}, {"data_offset", h.data_offset},
                             {"metadata", std::move(metadata)}, {"metadata_types", std::move(types)},
                             {"tensors", std::move(tensors)},   {"tensor_types", type_counts},
                             {"parameters", parameters},       {"bytes", bytes}};
    const std::string text = out.dump(-1, ' ', false, core::OrderedJson::error_handler_t::replace);
    std::puts(text.c_str());
    return;
  }

  const size_t limit = max_array.value_or(8);
  std::string out = fmt::format("{}: GGUF v{}, {} metadata keys, {} tensors, alignment {}, data at byte {}\n\n",
                                path, h.version, f.metadata().size(), f.tensors().size(), h.alignment,
                                h.data_offset);
  size_t key_width = 3, type_width = 4;
  for (const auto& kv : f.metadata()) {
    key_width = std::max(key_width, kv.key.size());
    type_width = std::max(type_width, type_label(kv.value).size());
  }
  out += fmt::format("{:<{}}  {:<{}}  {}\n", "key", key_width, "type", type_width, "value");
  for (const auto& kv : f.metadata())
    out += fmt::format("{:<{}}  {:<{}}  {}\n", kv.key, key_width, type_label(kv.value), type_width,
                       display(kv.value, limit));

  size_t name_width = 4, type_w = 4, shape_width = 5;
  std::vector<std::string> shapes;
  for (const auto& t : f.tensors()) {
    shapes.push_back(tensor::shape_to_string(t.shape()));
    name_width = std::max(name_width, t.name.size());
    type_w = std::max(type_w, std::string_view(t.type_name()).size());
    shape_width = std::max(shape_width, shapes.back().size());
  }
  out += fmt::format("\n{:<{}}  {:<{}}  {:<{}}  {:>12}  {:>12}\n", "name", name_width, "type", type_w, "shape",
                     shape_width, "offset", "bytes");
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const auto& t = f.tensors()[i];
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>12}  {:>12}\n", t.name, name_width, t.type_name(), type_w,
                       shapes[i], shape_width, h.data_offset + t.offset, t.nbytes);
  }
  std::string by_type;
  for (const auto& [name, count] : type_counts) by_type += fmt::format("{}{} {}", by_type.empty() ? "" : ", ", count, name);
  out += fmt::format("\ntensors:    {} ({})\nparameters: {} ({})\nbytes:      {} ({})\n", f.tensors().size(),
                     by_type, core::format_count(parameters), parameters, core::format_bytes(bytes), bytes);
  std::fputs(out.c_str(), stdout);
}

}  // namespace hfcpp::cli
