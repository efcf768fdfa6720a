// Driver for tests/python/test_safetensors_interop.py: reads a file the Python library wrote
// and writes it back with hfcpp (single file and sharded), so that the Python side can compare
// bytes both ways. Skipped unless HFCPP_INTEROP_IN is set.
#include <gtest/gtest.h>

#include <cstdlib>

#include "hfcpp/formats/safetensors.h"

using namespace hfcpp::formats;

TEST(SafetensorsInterop, RewriteForPython) {
  const char* in = std::getenv("HFCPP_INTEROP_IN");
  const char* out = std::getenv("HFCPP_INTEROP_OUT");
  if (in == nullptr || out == nullptr) GTEST_SKIP() << "driven by tests/python/test_safetensors_interop.py";
  auto file = SafetensorsFile::open(in);
  NamedTensors tensors;
  for (const auto& name : file.names()) tensors.emplace_back(name, file.tensor(name));
  std::optional<SafetensorsMetadata> metadata;
  if (file.has_metadata()) metadata = file.metadata();
  save_safetensors(tensors, out, metadata);

  const char* shard_dir = std::getenv("HFCPP_INTEROP_SHARD_DIR");
  const char* max_shard = std::getenv("HFCPP_INTEROP_MAX_SHARD");
  if (shard_dir != nullptr && max_shard != nullptr)
    save_safetensors_sharded(tensors, shard_dir, std::strtoull(max_shard, nullptr, 10), metadata);
}
