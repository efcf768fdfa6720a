#include "models/gguf_names.h"

#include <fmt/format.h>

namespace hfcpp::models {

std::optional<std::string> gguf_name_of_hf_tensor(std::string_view name) {
  std::string_view suffix;
  for (std::string_view s : {".weight", ".bias"})
    if (name.size() > s.size() && name.substr(name.size() - s.size()) == s) suffix = s;
  if (suffix.empty()) return std::nullopt;
  const std::string_view stem = name.substr(0, name.size() - suffix.size());
  for (const auto& [gguf, hf] : kGgufGlobalNames)
    if (stem == hf) return std::string(gguf) + std::string(suffix);
  constexpr std::string_view kLayers = "model.layers.";
  if (stem.substr(0, kLayers.size()) != kLayers) return std::nullopt;
  const size_t dot = stem.find('.', kLayers.size());
  if (dot == std::string_view::npos || dot == kLayers.size()) return std::nullopt;
  const std::string_view layer = stem.substr(kLayers.size(), dot - kLayers.size());
  for (char c : layer)
    if (c < '0' || c > '9') return std::nullopt;
  const std::string_view part = stem.substr(dot + 1);
  for (const auto& [gguf, hf] : kGgufLayerNames)
    if (part == hf) return fmt::format("blk.{}.{}{}", layer, gguf, suffix);
  return std::nullopt;
}

}  // namespace hfcpp::models
