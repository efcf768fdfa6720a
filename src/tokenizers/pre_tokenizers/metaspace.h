// Metaspace settings, shared by the pre-tokenizer and the decoder.
#pragma once

#include <string>

#include "tokenizers/registry.h"

namespace hfcpp::tokenizers {

enum class PrependScheme { Always, First, Never };

struct MetaspaceConfig {
  char32_t replacement = 0x2581;
  std::string str_rep = "\xE2\x96\x81";
  PrependScheme scheme = PrependScheme::Always;
  bool split = true;
};

MetaspaceConfig parse_metaspace(const Json& j, const std::string& path);

}  // namespace hfcpp::tokenizers
