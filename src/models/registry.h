// The architectures hfcpp loads, keyed by config.json's model_type, and the head each
// architectures[0] class name selects. One registration line per architecture in registry.cpp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/encoder.h"
#include "hfcpp/models/weights.h"

namespace hfcpp::models {

using EncoderFactory =
    std::function<std::unique_ptr<EncoderModel>(const ModelConfig&, WeightSource&, EncoderTask)>;

using CausalLMFactory = std::function<std::unique_ptr<CausalLM>(const ModelConfig&, WeightSource&)>;

class ModelRegistry {
 public:
  static const ModelRegistry& instance();
  // class_prefix: the transformers class name before the head suffix ("Bert", "XLMRoberta").
  void add_encoder(const std::string& model_type, const std::string& class_prefix, EncoderFactory factory);

  void add_causal_lm(const std::string& model_type, CausalLMFactory factory);

  const EncoderFactory* find_encoder(const std::string& model_type) const;
  const CausalLMFactory* find_causal_lm(const std::string& model_type) const;
  std::vector<std::string> causal_lm_types() const;
  std::vector<std::string> encoder_types() const;
  // "BertForTokenClassification" -> TokenClassification; nullopt if not a known class name.
  std::optional<EncoderTask> task_of_architecture(const std::string& architecture) const;
  std::vector<std::string> model_types() const;  // encoders and causal LMs, sorted

 private:
  std::map<std::string, EncoderFactory> encoders_;
  std::map<std::string, CausalLMFactory> causal_lms_;
  std::map<std::string, std::string> class_prefixes_;  // class prefix -> model_type
};

}  // namespace hfcpp::models
