// `hfcpp decode --tokenizer PATH_OR_FOLDER [--skip-special]`: one JSON array of ids per stdin
// line in, one JSON string per line out.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::cli {

namespace {
struct DecodeOptions {
  std::string tokenizer;
  bool skip_special = false;
};

void run_decode(const DecodeOptions& o) {
  auto tok = tokenizers::Tokenizer::load(o.tokenizer);
  std::string line;
  size_t line_no = 0;
  std::vector<uint32_t> ids;
  while (std::getline(std::cin, line)) {
    ++line_no;
    core::Json j = core::parse_json(line, fmt::format("stdin line {}", line_no));
    HFCPP_CHECK(j.is_array(), ErrorCode::InvalidArgument,
                "[decode] stdin line {}: got {}, expected a JSON array of token ids", line_no,
                core::json_type_name(j));
    ids.clear();
    for (size_t i = 0; i < j.size(); ++i) {
      HFCPP_CHECK(j[i].is_number_unsigned() && j[i].get<uint64_t>() <= UINT32_MAX,
                  ErrorCode::InvalidArgument,
                  "[decode] stdin line {}[{}]: got {}, expected a token id (0..2^32-1)", line_no, i,
                  j[i].dump());
      ids.push_back(j[i].get<uint32_t>());
    }
    std::string out = core::Json(tok.decode(ids, o.skip_special))
                          .dump(-1, ' ', false, core::Json::error_handler_t::replace);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }
}
}  // namespace

void register_decode(CLI::App& app, GlobalOptions&) {
  auto opts = std::make_shared<DecodeOptions>();
  auto* cmd = app.add_subcommand("decode", "Decode token ids (one JSON array per stdin line)");
  cmd->add_option("--tokenizer", opts->tokenizer, "tokenizer.json, a folder holding one, or a Hub repo id")
      ->required();
  cmd->add_flag("--skip-special", opts->skip_special, "Drop special tokens (skip_special_tokens=True)");
  cmd->callback([opts] { run_decode(*opts); });
}

}  // namespace hfcpp::cli
