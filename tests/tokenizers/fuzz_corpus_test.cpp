// Runs the committed fuzz corpus (fuzz/corpus/tokenizer) through the fuzz entry's logic, so
// the seeds keep loading and encoding in ordinary (and sanitizer) test runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::tokenizers {
namespace {

TEST(TokenizerFuzzCorpus, SeedsLoadAndEncode) {
  std::filesystem::path dir = HFCPP_SOURCE_DIR "/fuzz/corpus/tokenizer";
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string all = ss.str();
    size_t nul = all.find('\0');
    ASSERT_NE(nul, std::string::npos) << entry.path();
    Tokenizer tok = Tokenizer::from_json(std::string_view(all).substr(0, nul), entry.path().string());
    Encoding e = tok.encode(std::string_view(all).substr(nul + 1));
    EXPECT_FALSE(e.empty()) << entry.path();
    (void)tok.decode(e.ids, true);
    (void)tok.encode_pair("a", "b", true);
    ++n;
  }
  EXPECT_GE(n, 4u);
}

}  // namespace
}  // namespace hfcpp::tokenizers
