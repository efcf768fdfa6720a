#include "models/gguf_names.h"

#include <fmt/format.h>

namespace hfcpp::models {

std::optional<std::pair<std::string_view, std::string_view>> split_param_suffix(std::string_view name) {
  for (std::string_view s : {".weight", ".bias"})
    if (name.size() > s.size() && name.substr(name.size() - s.size()) == s)
      return std::pair{name.substr(0, name.size() - s.size()), s};
  return std::nullopt;
}

std::optional<std::pair<std::string_view, std::string_view>> split_layer_stem(std::string_view stem,
                                                                              std::string_view prefix) {
  if (stem.substr(0, prefix.size()) != prefix) return std::nullopt;
  const size_t dot = stem.find('.', prefix.size());
  if (dot == std::string_view::npos || dot == prefix.size()) return std::nullopt;
  const std::string_view layer = stem.substr(prefix.size(), dot - prefix.size());
  for (char c : layer)
    if (c < '0' || c > '9') return std::nullopt;
  return std::pair{layer, stem.substr(dot + 1)};
}

std::optional<std::string> gguf_name_of(std::string_view name, const GgufNameScheme& scheme) {
  if (name.starts_with(scheme.hf_prefix)) name.remove_prefix(scheme.hf_prefix.size());
  const auto split = split_param_suffix(name);
  if (!split) return std::nullopt;
  const auto [stem, suffix] = *split;
  for (const auto& [gguf, hf] : scheme.globals)
    if (stem == hf) return fmt::format("{}{}", gguf, suffix);
  const auto layer_part = split_layer_stem(stem, scheme.hf_layer_prefix);
  if (!layer_part) return std::nullopt;
  const auto [layer, part] = *layer_part;
  for (const auto& [gguf, hf] : scheme.layers)
    if (part == hf) return fmt::format("blk.{}.{}{}", layer, gguf, suffix);
  return std::nullopt;
}

std::optional<std::string> hf_name_of(std::string_view name, const GgufNameScheme& scheme) {
  const auto split = split_param_suffix(name);
  if (!split) return std::nullopt;
  const auto [stem, suffix] = *split;
  for (const auto& [gguf, hf] : scheme.globals)
    if (stem == gguf) return fmt::format("{}{}{}", hf == "lm_head" ? "" : scheme.hf_prefix, hf, suffix);
  const auto layer_part = split_layer_stem(stem, "blk.");
  if (!layer_part) return std::nullopt;
  const auto [layer, part] = *layer_part;
  for (const auto& [gguf, hf] : scheme.layers)
    if (part == gguf) return fmt::format("{}{}{}.{}{}", scheme.hf_prefix, scheme.hf_layer_prefix, layer, hf, suffix);
  return std::nullopt;
}

}  // namespace hfcpp::models
