// `hfcpp tokenize --tokenizer PATH_OR_FOLDER [--no-special] [--jsonl] [--json-input] [TEXT...]`
// One input per stdin line (or each positional TEXT); with --json-input each line is a JSON
// string. --jsonl prints {"ids", "tokens", "offsets"} per input, offsets in characters as the
// Python library reports them. Invalid UTF-8 input is an error (exit 1) naming the line, as the
// reference only takes Unicode text.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/generation/model_assets.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::cli {

namespace {
struct TokenizeOptions {
  std::string tokenizer;
  bool no_special = false;
  bool jsonl = false;
  bool json_input = false;
  std::vector<std::string> texts;
};

std::string dump(const core::Json& j) {
  return j.dump(-1, ' ', false, core::Json::error_handler_t::replace);
}

void print_encoding(const tokenizers::Encoding& e, bool jsonl) {
  if (jsonl) {
    core::Json out;
    out["ids"] = e.ids;
    out["tokens"] = e.tokens;
    core::Json offs = core::Json::array();
    for (const auto& o : e.offsets) offs.push_back({o.start, o.end});
    out["offsets"] = std::move(offs);
    std::string line = dump(out);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return;
  }
  std::string line;
  for (size_t i = 0; i < e.size(); ++i) {
    if (i) line += ' ';
    line += fmt::format("{}:{}", dump(core::Json(e.tokens[i])), e.ids[i]);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void run_tokenize(const TokenizeOptions& o) {
  // A .gguf file carries its tokenizer in its metadata (as llama.cpp reads it).
  const bool gguf = o.tokenizer.size() > 5 && o.tokenizer.compare(o.tokenizer.size() - 5, 5, ".gguf") == 0;
  auto tok = gguf ? generation::load_model_assets(o.tokenizer).tokenizer : tokenizers::Tokenizer::load(o.tokenizer);
  auto encode_one = [&](const std::string& text, size_t line_no) {
    try {
      print_encoding(tok.encode(text, !o.no_special), o.jsonl);
    } catch (Error& e) {
      e.with_context(fmt::format("input line {}", line_no));
      throw;
    }
  };
  if (!o.texts.empty()) {
    for (size_t i = 0; i < o.texts.size(); ++i) encode_one(o.texts[i], i + 1);
    return;
  }
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (o.json_input) {
      core::Json j = core::parse_json(line, fmt::format("stdin line {}", line_no));
      HFCPP_CHECK(j.is_string(), ErrorCode::InvalidArgument,
                  "[tokenize] stdin line {}: got {}, expected a JSON string", line_no,
                  core::json_type_name(j));
      encode_one(j.get<std::string>(), line_no);
    } else {
      encode_one(line, line_no);
    }
    std::fflush(stdout);
  }
}
}  // namespace

void register_tokenize(CLI::App& app, GlobalOptions&) {
  auto opts = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize", "Encode text with a tokenizer.json (one input per line)");
  cmd->add_option("--tokenizer", opts->tokenizer, "tokenizer.json, a folder holding one, or a Hub repo id")
      ->required();
  cmd->add_flag("--no-special", opts->no_special, "Do not add special tokens (add_special_tokens=False)");
  cmd->add_flag("--jsonl", opts->jsonl, "One JSON object per input: ids, tokens, offsets (characters)");
  cmd->add_flag("--json-input", opts->json_input, "Each stdin line is a JSON string");
  cmd->add_option("TEXT", opts->texts, "Texts to encode (default: stdin lines)");
  cmd->callback([opts] { run_tokenize(*opts); });
}

}  // namespace hfcpp::cli
