// The reference's Unicode script table (unicode_scripts_table.cpp, generated).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hfcpp::tokenizers {

struct ScriptRange {
  char32_t first;
  char32_t last;
  uint8_t script;  // index into kScriptNames; 0 = Any
};

extern const char* const kScriptNames[];
extern const ScriptRange kScriptRanges[];
extern const size_t kScriptRangeCount;

// The script index of c (0 = Any for code points the table does not list).
uint8_t script_of(char32_t c);

}  // namespace hfcpp::tokenizers
