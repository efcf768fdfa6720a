#include "cli/corpus_text.h"

#include <fstream>
#include <sstream>

#include "hfcpp/core/error.h"

namespace hfcpp::cli {

std::string read_corpus_file(const std::string& path, std::string_view command) {
  std::ifstream in(path, std::ios::binary);
  HFCPP_CHECK(in.good(), ErrorCode::NotFound, "[{}] cannot open --file '{}'", command, path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<int64_t> added_bos(const tokenizers::Tokenizer& tok) {
  const auto plain = tok.encode("a", false).ids;
  const auto special = tok.encode("a", true).ids;
  if (special.size() > plain.size() && (plain.empty() || special[0] != plain[0]))
    return static_cast<int64_t>(special[0]);
  return std::nullopt;
}

}  // namespace hfcpp::cli
