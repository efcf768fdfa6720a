// NFD/NFKD/NFC/NFKC with per-char change tracking, as the unicode-normalization-alignments
// crate produces it for the reference: decomposed chars beyond the first are insertions (+1),
// canonical reordering moves the changes with the chars, and each composition merges changes
// (a + b - 1).
#pragma once

#include <vector>

#include "tokenizers/normalized_string.h"

namespace hfcpp::tokenizers {

// The canonical combining class as the reference's Unicode 9.0 data has it (0: starter).
uint8_t canonical_combining_class(char32_t c);

// Computes the change list for `text` and applies it; no-op for pure ASCII text.
void unicode_normalize(NormalizedString& s, bool compat, bool compose);

}  // namespace hfcpp::tokenizers
