// The tiny random decoders (tests/models/tiny_decoders) and their transformers goldens
// (tests/golden/models/decoder_<name>.safetensors), shared by the generation tests.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/formats/safetensors.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::testing {

// A 2-d integer tensor as rows.
inline std::vector<std::vector<int64_t>> rows_of(const tensor::Tensor& t) {
  const tensor::Tensor c = t.to(tensor::DType::I64).contiguous();
  std::vector<std::vector<int64_t>> out;
  for (int64_t r = 0; r < c.size(0); ++r)
    out.emplace_back(c.data<int64_t>() + r * c.size(1), c.data<int64_t>() + (r + 1) * c.size(1));
  return out;
}

struct TinyDecoderGolden {
  std::string folder;
  formats::SafetensorsFile golden;
  std::vector<std::vector<int64_t>> prompts;  // unpadded
};

// nullopt when the model folder or its golden is missing (the caller skips).
inline std::optional<TinyDecoderGolden> load_tiny_decoder_golden(const std::string& name) {
  const std::string folder = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/" + name;
  const std::string path = std::string(HFCPP_SOURCE_DIR) + "/tests/golden/models/decoder_" + name + ".safetensors";
  if (!std::filesystem::exists(path) || !std::filesystem::exists(folder)) return std::nullopt;
  TinyDecoderGolden g{folder, formats::SafetensorsFile::open(path), {}};
  const auto ids = rows_of(g.golden.tensor("input_ids"));
  const auto mask = rows_of(g.golden.tensor("attention_mask"));
  for (size_t r = 0; r < ids.size(); ++r) {
    std::vector<int64_t> p;
    for (size_t j = 0; j < ids[r].size(); ++j)
      if (mask[r][j]) p.push_back(ids[r][j]);
    g.prompts.push_back(std::move(p));
  }
  return g;
}

}  // namespace hfcpp::testing
