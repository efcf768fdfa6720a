#include "hfcpp/models/linear_observer.h"

namespace hfcpp::models {

namespace {
thread_local LinearObserver* t_observer = nullptr;
}  // namespace

LinearObserver* current_linear_observer() noexcept { return t_observer; }

ScopedLinearObserver::ScopedLinearObserver(LinearObserver& observer) noexcept : previous_(t_observer) {
  t_observer = &observer;
}

ScopedLinearObserver::~ScopedLinearObserver() { t_observer = previous_; }

}  // namespace hfcpp::models
