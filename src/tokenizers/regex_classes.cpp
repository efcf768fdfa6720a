#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizers/regex_classes.h"

#include <pcre2.h>

#include <memory>
#include <mutex>
#include <vector>

#include "hfcpp/core/error.h"
#include "tokenizers/regex_unicode.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers::regex_classes {

namespace {
// The three single-char classes, compiled with Regex's flags and matched anchored on one char.
struct Classifier {
  pcre2_code* code[3] = {};
  pcre2_match_data* data = nullptr;
  Classifier() {
    const char* patterns[3] = {R"(\p{L})", R"(\p{N})", R"(\s)"};
    for (int k = 0; k < 3; ++k) {
      int err = 0;
      PCRE2_SIZE off = 0;
      // As Regex compiles them: with the code points newer than PCRE2's Unicode tables.
      const std::string pattern = regex_unicode::with_newer_code_points(patterns[k]);
      code[k] = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &err, &off, nullptr);
      HFCPP_CHECK(code[k] != nullptr, ErrorCode::Internal,
                  "[tokenizers] PCRE2 class pattern {} did not compile (error {})", patterns[k], err);
    }
    data = pcre2_match_data_create(1, nullptr);
  }
  ~Classifier() {
    for (auto* c : code) pcre2_code_free(c);
    pcre2_match_data_free(data);
  }
  uint8_t classify(char32_t c) const {
    if (c >= 0xD800 && c <= 0xDFFF) return 0;  // never in valid UTF-8 text
    std::string s = utf8::encode(c);
    uint8_t bits = 0;
    for (int k = 0; k < 3; ++k)
      if (pcre2_match(code[k], reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, data,
                      nullptr) >= 0)
        bits |= uint8_t(1u << k);
    return bits;
  }
};

std::mutex& fill_mutex() {
  static std::mutex m;
  return m;
}
Classifier& classifier() {  // used under fill_mutex (match data is not shareable)
  static Classifier c;
  return c;
}
std::vector<std::unique_ptr<uint8_t[]>>& owned_blocks() {
  static std::vector<std::unique_ptr<uint8_t[]>> blocks;
  return blocks;
}
}  // namespace

const Table& Table::get() {
  static const Table table;
  return table;
}

Table::Table() {
  std::lock_guard lock(fill_mutex());
  for (char32_t c = 0; c < 0x80; ++c) ascii_[c] = classifier().classify(c);
}

const uint8_t* Table::fill(uint32_t block) const {
  std::lock_guard lock(fill_mutex());
  if (const uint8_t* done = blocks_[block].load(std::memory_order_acquire)) return done;
  auto bits = std::make_unique<uint8_t[]>(256);
  for (uint32_t k = 0; k < 256; ++k) bits[k] = classifier().classify((block << 8) | k);
  const uint8_t* out = bits.get();
  owned_blocks().push_back(std::move(bits));
  blocks_[block].store(out, std::memory_order_release);
  return out;
}

char32_t Table::decode(std::string_view text, size_t i, size_t& len) {
  size_t j = i;
  char32_t c = utf8::next(text, j);
  len = j - i;
  return c;
}

}  // namespace hfcpp::tokenizers::regex_classes
