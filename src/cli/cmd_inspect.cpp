// `hfcpp inspect PATH [--json]` — placeholder registration; the safetensors/GGUF summary
// is implemented with the formats module.
#include "cli/commands.h"
#include "hfcpp/core/error.h"

namespace hfcpp::cli {

void register_inspect(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("inspect", "Summarise a safetensors file, index, model folder or GGUF file");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("PATH", *path, "File or folder")->required();
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->callback([path, json] {
    HFCPP_THROW(ErrorCode::Unsupported, "[inspect] not implemented yet for '{}'", *path);
  });
}

}  // namespace hfcpp::cli
