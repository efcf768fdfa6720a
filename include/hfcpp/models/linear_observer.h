// A narrow hook on the input of every Linear layer, for tools that need activations (llama.cpp's
// llama-imatrix collects importance matrices this way, through its eval callback). Off unless a
// ScopedLinearObserver is alive on the thread running the forward pass; the layer then pays one
// thread-local read and a branch per matmul.
#pragma once

#include <string_view>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::models {

class LinearObserver {
 public:
  virtual ~LinearObserver() = default;
  // weight: the weight's checkpoint (Hugging Face) name, e.g.
  // "model.layers.0.self_attn.q_proj.weight" (empty for a tied LM head); x: the layer's input
  // [..., in_features] as the matmul receives it.
  virtual void on_linear_input(std::string_view weight, const tensor::Tensor& x) = 0;
};

// The observer active on this thread, or nullptr.
LinearObserver* current_linear_observer() noexcept;

// Makes `observer` the active one on this thread for the scope (the previous one comes back after).
class ScopedLinearObserver {
 public:
  explicit ScopedLinearObserver(LinearObserver& observer) noexcept;
  ~ScopedLinearObserver();
  ScopedLinearObserver(const ScopedLinearObserver&) = delete;
  ScopedLinearObserver& operator=(const ScopedLinearObserver&) = delete;

 private:
  LinearObserver* previous_;
};

}  // namespace hfcpp::models
