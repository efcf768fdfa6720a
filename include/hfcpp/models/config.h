// config.json of a Hugging Face model: the raw JSON plus typed getters that apply transformers'
// defaults and name the missing or mistyped key in errors ("[config] config.json: ...").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/tensor/dtype.h"

namespace hfcpp::models {

class ModelConfig {
 public:
  static ModelConfig from_file(const std::string& path);
  static ModelConfig from_json(core::Json json, std::string source = "config.json");

  const core::Json& json() const { return json_; }
  const std::string& source() const { return source_; }
  std::string model_type() const;
  std::vector<std::string> architectures() const;

  bool has(const char* key) const;
  // Required keys: a missing or mistyped key is a Format error naming it.
  int64_t get_int(const char* key) const;
  double get_float(const char* key) const;
  std::string get_string(const char* key) const;
  // Optional keys with transformers' default.
  int64_t get_int(const char* key, int64_t fallback) const;
  double get_float(const char* key, double fallback) const;
  std::string get_string(const char* key, const std::string& fallback) const;
  bool get_bool(const char* key, bool fallback) const;
  // A positive integer within [1, max]: absurd sizes in a hostile config are refused early.
  int64_t get_dim(const char* key, int64_t max = int64_t{1} << 24) const;
  int64_t get_dim(const char* key, int64_t fallback, int64_t max) const;

  // torch_dtype (or "dtype" in newer configs) as a DType, if present and known.
  std::optional<tensor::DType> torch_dtype() const;
  // id2label sorted by id ("LABEL_i" where absent), num_labels entries.
  std::vector<std::string> labels() const;

 private:
  core::Json json_;
  std::string source_;
};

}  // namespace hfcpp::models
