// ShardedSafetensors: resolves a file / index / folder into shards and a name -> shard map.
#include "hfcpp/formats/sharded_safetensors.h"

#include <algorithm>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"

namespace hfcpp::formats {

namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The file inside a model folder that describes its weights.
std::string pick_in_folder(const fs::path& folder) {
  for (const char* name : {"model.safetensors", "model.safetensors.index.json"})
    if (fs::is_regular_file(folder / name)) return (folder / name).string();
  std::vector<std::string> indexes, files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    if (ends_with(name, ".safetensors.index.json")) indexes.push_back(entry.path().string());
    else if (ends_with(name, ".safetensors")) files.push_back(entry.path().string());
  }
  if (indexes.size() == 1) return indexes[0];
  if (indexes.empty() && files.size() == 1) return files[0];
  HFCPP_CHECK(indexes.empty() && files.empty(), ErrorCode::InvalidArgument,
              "[safetensors] folder '{}' holds {} index files and {} .safetensors files but no "
              "model.safetensors(.index.json): name the file to use",
              folder.string(), indexes.size(), files.size());
  HFCPP_THROW(ErrorCode::NotFound,
              "[safetensors] no weights in folder '{}': looked for model.safetensors, "
              "model.safetensors.index.json, *.safetensors",
              folder.string());
}

}  // namespace

ShardedSafetensors ShardedSafetensors::open(const std::string& path) {
  std::error_code ec;
  HFCPP_CHECK(fs::exists(path, ec), ErrorCode::NotFound, "[safetensors] no such file or folder: '{}'", path);
  std::string file = fs::is_directory(path, ec) ? pick_in_folder(path) : path;

  ShardedSafetensors out;
  out.source_ = file;
  if (!ends_with(file, ".json")) {
    out.shards_.push_back(SafetensorsFile::open(file));
    for (const auto& t : out.shards_[0].tensors()) out.where_.emplace(t.name, 0);
    return out;
  }

  // An index: {"metadata": {...}, "weight_map": {tensor: shard file}}.
  core::Json index = core::parse_json(core::read_file(file), file);
  HFCPP_CHECK(index.is_object(), ErrorCode::Format, "[safetensors] index '{}': expected a JSON object, got {}",
              file, core::json_type_name(index));
  const core::Json& weight_map = core::json_at(index, "weight_map", file);
  HFCPP_CHECK(weight_map.is_object(), ErrorCode::Format,
              "[safetensors] index '{}': 'weight_map' must be an object, got {}", file,
              core::json_type_name(weight_map));
  if (auto it = index.find("metadata"); it != index.end()) out.index_metadata_ = *it;
  out.index_path_ = file;

  const fs::path folder = fs::path(file).parent_path();
  std::map<std::string, size_t> shard_of_file;
  for (const auto& [name, shard] : weight_map.items()) {
    HFCPP_CHECK(shard.is_string(), ErrorCode::Format,
                "[safetensors] index '{}': weight_map['{}'] must be a file name, got {}", file, name,
                core::json_type_name(shard));
    const std::string shard_name = shard.get<std::string>();
    const fs::path rel(shard_name);
    bool safe = !shard_name.empty() && rel.is_relative() &&
                std::none_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; });
    HFCPP_CHECK(safe, ErrorCode::Format,
                "[safetensors] index '{}': weight_map['{}'] = '{}' must be a file name inside the "
                "index's folder",
                file, name, shard_name);
    auto [it, added] = shard_of_file.emplace(shard_name, out.shards_.size());
    if (added) {
      try {
        out.shards_.push_back(SafetensorsFile::open((folder / rel).string()));
      } catch (Error& e) {
        throw std::move(e.with_context(fmt::format("shard of index '{}'", file)));
      }
    }
    const SafetensorsFile& shard_file = out.shards_[it->second];
    HFCPP_CHECK(shard_file.contains(name), ErrorCode::Format,
                "[safetensors] index '{}' maps tensor '{}' to '{}', which does not contain it", file,
                name, shard_name);
    out.where_.emplace(name, it->second);
  }
  return out;
}

SafetensorsMetadata ShardedSafetensors::metadata() const {
  SafetensorsMetadata merged;
  for (const auto& shard : shards_)
    for (const auto& [k, v] : shard.metadata()) merged.emplace(k, v);
  return merged;
}

std::vector<std::string> ShardedSafetensors::names() const {
  std::vector<std::string> out;
  out.reserve(where_.size());
  for (const auto& [name, _] : where_) out.push_back(name);
  return out;
}

const SafetensorsFile& ShardedSafetensors::file_of(std::string_view name) const {
  auto it = where_.find(name);
  HFCPP_CHECK(it != where_.end(), ErrorCode::NotFound, "[safetensors] no tensor '{}' in '{}' ({} tensors)",
              name, source_, where_.size());
  return shards_[it->second];
}

}  // namespace hfcpp::formats
