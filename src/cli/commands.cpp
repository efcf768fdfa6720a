#include "cli/commands.h"

namespace hfcpp::cli {

void register_all_commands(CLI::App& app, GlobalOptions& global) {
  register_inspect(app, global);
}

}  // namespace hfcpp::cli
