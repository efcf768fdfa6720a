// libFuzzer target for the GGUF header parser: the input is a whole file image. Any input must
// either parse or throw hfcpp::Error; crashes, hangs, sanitizer reports and other exception types
// are bugs. A parsed header must also survive the writer: written again and re-parsed, it gives
// the same metadata and tensor infos. Run:
//   build/gguf-fuzz/bin/gguf_fuzz fuzz/corpus/gguf -dict=fuzz/gguf.dict -max_total_time=300
#include <cstddef>
#include <cstdint>
#include <span>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"

using namespace hfcpp::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = std::as_bytes(std::span<const uint8_t>(data, size));
  GgufHeader header;
  try {
    header = parse_gguf_header(bytes);
  } catch (const hfcpp::Error&) {
    return 0;
  }
  // Invariants a parsed header promises to its users.
  if (header.alignment == 0 || (header.alignment & (header.alignment - 1)) != 0) __builtin_trap();
  if (!header.tensors.empty() && header.data_offset > size) __builtin_trap();
  for (const auto& t : header.tensors) {
    if (t.offset > size || t.nbytes > size - header.data_offset - t.offset) __builtin_trap();
    if (t.ne.size() > static_cast<size_t>(kGgufMaxDims)) __builtin_trap();
    (void)t.shape();
  }
  for (const auto& kv : header.metadata) {
    (void)kv.value.to_json(4).dump(-1, ' ', false, hfcpp::core::OrderedJson::error_handler_t::replace);
    (void)kv.value.to_display();
  }
  // Round trip through the writer.
  GgufWriter w;
  for (const auto& kv : header.metadata) w.set(kv.key, kv.value);
  for (const auto& t : header.tensors)
    w.add_raw_tensor(t.name, t.type, t.shape(), bytes.subspan(header.data_offset + t.offset, t.nbytes));
  const std::string again = w.serialize();
  const GgufHeader reparsed = parse_gguf_header(std::as_bytes(std::span<const char>(again.data(), again.size())));
  if (reparsed.metadata.size() != header.metadata.size() || reparsed.tensors.size() != header.tensors.size())
    __builtin_trap();
  for (size_t i = 0; i < header.metadata.size(); ++i)
    if (reparsed.metadata[i].key != header.metadata[i].key || !(reparsed.metadata[i].value == header.metadata[i].value))
      __builtin_trap();
  for (size_t i = 0; i < header.tensors.size(); ++i)
    if (reparsed.tensors[i].name != header.tensors[i].name || reparsed.tensors[i].ne != header.tensors[i].ne ||
        reparsed.tensors[i].type != header.tensors[i].type)
      __builtin_trap();
  return 0;
}
