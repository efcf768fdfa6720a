#include "models/registry.h"

#include <algorithm>

#include "models/bert.h"
#include "models/distilbert.h"
#include "models/gemma.h"
#include "models/gpt2.h"
#include "models/llama.h"
#include "models/phi3.h"

namespace hfcpp::models {

// Explicit registration (no static self-registering objects: the linker drops unreferenced
// translation units from static libraries).
const ModelRegistry& ModelRegistry::instance() {
  static const ModelRegistry registry = [] {
    ModelRegistry r;
    r.add_encoder("bert", "Bert", load_bert);
    r.add_encoder("roberta", "Roberta", load_roberta);
    r.add_encoder("xlm-roberta", "XLMRoberta", load_roberta);
    r.add_encoder("camembert", "Camembert", load_roberta);
    r.add_encoder("distilbert", "DistilBert", load_distilbert);
    r.add_causal_lm("llama", load_llama);
    r.add_causal_lm("mistral", load_mistral);
    r.add_causal_lm("qwen2", load_qwen2);
    r.add_causal_lm("qwen3", load_qwen3);
    r.add_causal_lm("gemma", load_gemma);
    r.add_causal_lm("gemma2", load_gemma2);
    r.add_causal_lm("gemma3_text", load_gemma3_text);
    r.add_causal_lm("phi3", load_phi3);
    r.add_causal_lm("gpt2", load_gpt2);
    return r;
  }();
  return registry;
}

void ModelRegistry::add_encoder(const std::string& model_type, const std::string& class_prefix,
                                EncoderFactory factory) {
  encoders_[model_type] = std::move(factory);
  class_prefixes_[class_prefix] = model_type;
}

void ModelRegistry::add_causal_lm(const std::string& model_type, CausalLMFactory factory) {
  causal_lms_[model_type] = std::move(factory);
}

const CausalLMFactory* ModelRegistry::find_causal_lm(const std::string& model_type) const {
  auto it = causal_lms_.find(model_type);
  return it == causal_lms_.end() ? nullptr : &it->second;
}

std::vector<std::string> ModelRegistry::causal_lm_types() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : causal_lms_) out.push_back(k);
  return out;
}

std::vector<std::string> ModelRegistry::encoder_types() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : encoders_) out.push_back(k);
  return out;
}

const EncoderFactory* ModelRegistry::find_encoder(const std::string& model_type) const {
  auto it = encoders_.find(model_type);
  return it == encoders_.end() ? nullptr : &it->second;
}

std::optional<EncoderTask> ModelRegistry::task_of_architecture(const std::string& arch) const {
  static const std::pair<const char*, EncoderTask> kSuffixes[] = {
      {"Model", EncoderTask::Base},
      {"ForSequenceClassification", EncoderTask::SequenceClassification},
      {"ForTokenClassification", EncoderTask::TokenClassification},
      {"ForQuestionAnswering", EncoderTask::QuestionAnswering},
      {"ForMaskedLM", EncoderTask::MaskedLM},
  };
  for (const auto& [prefix, type] : class_prefixes_) {
    if (arch.rfind(prefix, 0) != 0) continue;
    std::string suffix = arch.substr(prefix.size());
    for (const auto& [s, task] : kSuffixes)
      if (suffix == s) return task;
  }
  return std::nullopt;
}

std::vector<std::string> ModelRegistry::model_types() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : encoders_) out.push_back(k);
  for (const auto& [k, v] : causal_lms_) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

const char* encoder_task_name(EncoderTask task) {
  switch (task) {
    case EncoderTask::Base: return "base";
    case EncoderTask::SequenceClassification: return "sequence-classification";
    case EncoderTask::TokenClassification: return "token-classification";
    case EncoderTask::QuestionAnswering: return "question-answering";
    case EncoderTask::MaskedLM: return "masked-lm";
  }
  return "?";
}

}  // namespace hfcpp::models
