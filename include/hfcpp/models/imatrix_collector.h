// llama-imatrix's collector over hfcpp's models: while a ScopedLinearObserver holds it, every
// Linear input of a collected weight adds its squared activations per column (and its token
// count) to a formats::ImatrixStats, under llama.cpp's GGUF tensor name.
//
// As llama-imatrix collects: weights whose GGUF name starts with "blk.", plus output.weight with
// process_output (a tied LM head multiplies by token_embd.weight, which is never collected).
// Inputs are f32 activations as the layer receives them (converted to f32 if the model runs in
// bf16/f16); every call counts, whatever its token count.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "hfcpp/formats/imatrix.h"
#include "hfcpp/models/linear_observer.h"

namespace hfcpp::models {

// HF checkpoint name -> llama.cpp GGUF tensor name.
using GgufNameMap = std::map<std::string, std::string, std::less<>>;

// The names of a GGUF model file's tensors that hfcpp maps to Hugging Face names.
GgufNameMap gguf_names_of(const std::string& gguf_path);

class ImatrixCollector final : public LinearObserver {
 public:
  ImatrixCollector(formats::ImatrixStats& stats, GgufNameMap names, bool process_output = false);
  void on_linear_input(std::string_view weight, const tensor::Tensor& x) override;
  int64_t calls() const { return calls_; }  // collected Linear calls so far

 private:
  formats::ImatrixStats& stats_;
  GgufNameMap names_;
  bool process_output_;
  int64_t calls_ = 0;
};

}  // namespace hfcpp::models
