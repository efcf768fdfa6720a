// Reading the reference goldens (gzipped JSON lines) and comparing encodings with them.
#pragma once

#include <zlib.h>

#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::tokenizers::testing {

inline std::string data_dir() { return HFCPP_SOURCE_DIR "/../shared/data/tokenizers"; }

// All lines of a .jsonl.gz file; empty when the file is missing.
inline std::vector<std::string> read_gz_lines(const std::string& path) {
  std::vector<std::string> lines;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return lines;
  std::string cur;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) {
    for (int i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        lines.push_back(std::move(cur));
        cur.clear();
      } else {
        cur.push_back(buf[i]);
      }
    }
  }
  if (!cur.empty()) lines.push_back(std::move(cur));
  gzclose(f);
  return lines;
}

// Compares one encoding with a golden object; returns "" when equal, else the first difference.
inline std::string compare_encoding(const Encoding& e, const core::Json& g, bool with_sequence_ids) {
  auto ids = g.at("ids").get<std::vector<uint32_t>>();
  if (e.ids != ids) return "ids differ";
  if (e.tokens != g.at("tokens").get<std::vector<std::string>>()) return "tokens differ";
  const auto& offs = g.at("offsets");
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.offsets[i].start != offs[i][0].get<size_t>() || e.offsets[i].end != offs[i][1].get<size_t>())
      return "offset " + std::to_string(i) + " differs: got [" + std::to_string(e.offsets[i].start) +
             "," + std::to_string(e.offsets[i].end) + "] expected " + offs[i].dump();
  }
  if (e.type_ids != g.at("type_ids").get<std::vector<uint32_t>>()) return "type_ids differ";
  if (e.special_tokens_mask != g.at("special_tokens_mask").get<std::vector<uint32_t>>())
    return "special_tokens_mask differs";
  if (e.attention_mask != g.at("attention_mask").get<std::vector<uint32_t>>())
    return "attention_mask differs";
  const auto& words = g.at("word_ids");
  for (size_t i = 0; i < e.size(); ++i) {
    int64_t want = words[i].is_null() ? -1 : words[i].get<int64_t>();
    if (e.word_ids[i] != want) return "word_ids differ at " + std::to_string(i);
  }
  if (with_sequence_ids && g.contains("sequence_ids")) {
    auto seq = e.sequence_ids();
    const auto& gs = g.at("sequence_ids");
    for (size_t i = 0; i < e.size(); ++i) {
      int64_t want = gs[i].is_null() ? -1 : gs[i].get<int64_t>();
      if (seq[i] != want) return "sequence_ids differ at " + std::to_string(i);
    }
  }
  size_t n_over = g.contains("overflowing") ? g.at("overflowing").size() : 0;
  if (e.overflowing.size() != n_over)
    return "overflowing count " + std::to_string(e.overflowing.size()) + " vs " + std::to_string(n_over);
  for (size_t i = 0; i < n_over; ++i) {
    std::string d = compare_encoding(e.overflowing[i], g.at("overflowing")[i], with_sequence_ids);
    if (!d.empty()) return "overflowing[" + std::to_string(i) + "]: " + d;
  }
  return "";
}

}  // namespace hfcpp::tokenizers::testing
