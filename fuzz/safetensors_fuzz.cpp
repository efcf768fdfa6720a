// libFuzzer target for the safetensors header parser: the input is a whole file image.
// Any input must either parse or throw hfcpp::Error; crashes, hangs, sanitizer reports and
// other exception types are bugs. Run:
//   build/safetensors-fuzz/bin/safetensors_fuzz fuzz/corpus/safetensors -max_total_time=300
#include <cstddef>
#include <cstdint>
#include <span>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto header = hfcpp::formats::parse_safetensors_header(
        std::as_bytes(std::span<const uint8_t>(data, size)));
    // Invariants a parsed header promises to its users.
    uint64_t covered = 0;
    for (const auto& t : header.tensors) {
      if (t.data_end < t.data_begin || t.data_end > header.data_size) __builtin_trap();
      covered += t.nbytes();
      (void)t.numel();
    }
    if (covered != header.data_size) __builtin_trap();
  } catch (const hfcpp::Error&) {
  }
  return 0;
}
