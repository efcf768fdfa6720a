// A checkpoint made of one or more safetensors files: a single .safetensors file, a sharded set
// described by model.safetensors.index.json ({"metadata": {...}, "weight_map": {name: file}}),
// or a model folder holding either. Every shard's header is validated on open, and every
// weight_map entry is checked to exist in its shard.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"

namespace hfcpp::formats {

class ShardedSafetensors {
 public:
  // path: a .safetensors file, an index .json, or a folder with model.safetensors or
  // model.safetensors.index.json (else exactly one *.safetensors.index.json or *.safetensors).
  static ShardedSafetensors open(const std::string& path);

  const std::vector<SafetensorsFile>& shards() const { return shards_; }
  // The index file, when the checkpoint came from one.
  const std::optional<std::string>& index_path() const { return index_path_; }
  // The index's "metadata" object (e.g. {"total_size": N}); null without an index.
  const core::Json& index_metadata() const { return index_metadata_; }
  // Union of the shards' "__metadata__" (they normally all say {"format": "pt"}).
  SafetensorsMetadata metadata() const;

  std::vector<std::string> names() const;  // sorted
  size_t size() const { return where_.size(); }
  bool contains(std::string_view name) const { return where_.find(name) != where_.end(); }
  const SafetensorsFile& file_of(std::string_view name) const;  // NotFound naming the tensor
  const SafetensorsTensorInfo& info(std::string_view name) const { return file_of(name).info(name); }
  tensor::Tensor tensor(std::string_view name) const { return file_of(name).tensor(name); }
  tensor::Tensor tensor(std::string_view name, tensor::DType dtype) const {
    return file_of(name).tensor(name, dtype);
  }

 private:
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, size_t, std::less<>> where_;  // tensor name -> index in shards_
  std::optional<std::string> index_path_;
  core::Json index_metadata_;
  std::string source_;
};

}  // namespace hfcpp::formats
