// Template members of NormalizedString.
#pragma once

#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

// Removed chars are charged to the kept char before them (or skipped up front).
template <class Keep>
void NormalizedString::filter(Keep keep) {
  int removed = 0;
  size_t removed_start = 0;
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  bool have_last = false;
  char32_t last = 0;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = utf8::next(normalized_, i);
    if (keep(c)) {
      if (have_last) {
        changes.push_back({last, -removed});
      } else {
        removed_start = static_cast<size_t>(removed);
      }
      last = c;
      have_last = true;
      removed = 0;
    } else {
      ++removed;
    }
  }
  if (have_last) changes.push_back({last, -removed});
  transform(changes, removed_start);
}

}  // namespace hfcpp::tokenizers
