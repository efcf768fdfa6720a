// Each subcommand lives in its own cli/cmd_<name>.cpp and exposes one register function,
// called from commands.cpp. A handler throws hfcpp::Error; main() prints it and maps the code
// to the exit status (1 data/user error, 2 usage error).
#pragma once

#include <CLI/CLI.hpp>

namespace hfcpp::cli {

// Options every subcommand shares (set on the top-level app, usable before or after the
// subcommand name).
struct GlobalOptions {
  int threads = 0;  // 0: all cores
  bool verbose = false;
  bool quiet = false;
};

void register_all_commands(CLI::App& app, GlobalOptions& global);

// One per subcommand file.
void register_inspect(CLI::App& app, GlobalOptions& global);
void register_embed(CLI::App& app, GlobalOptions& global);
void register_pipeline(CLI::App& app, GlobalOptions& global);
void register_estimate_memory(CLI::App& app, GlobalOptions& global);
void register_chat_template(CLI::App& app, GlobalOptions& global);
void register_tokenize(CLI::App& app, GlobalOptions& global);
void register_decode(CLI::App& app, GlobalOptions& global);
void register_download(CLI::App& app, GlobalOptions& global);
void register_cache(CLI::App& app, GlobalOptions& global);
void register_hub(CLI::App& app, GlobalOptions& global);
void register_upload(CLI::App& app, GlobalOptions& global);
void register_models(CLI::App& app, GlobalOptions& global);
void register_card(CLI::App& app, GlobalOptions& global);
void register_tokenizer_train(CLI::App& app, GlobalOptions& global);
void register_logits(CLI::App& app, GlobalOptions& global);
void register_run(CLI::App& app, GlobalOptions& global);
void register_quant_debug(CLI::App& app, GlobalOptions& global);
void register_quantize(CLI::App& app, GlobalOptions& global);
void register_perplexity(CLI::App& app, GlobalOptions& global);
void register_imatrix(CLI::App& app, GlobalOptions& global);
void register_convert(CLI::App& app, GlobalOptions& global);

}  // namespace hfcpp::cli
