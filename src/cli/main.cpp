// hfcpp: the command-line entry point. Parses global options, dispatches to a subcommand and
// turns errors into "hfcpp: error: ..." and exit codes (0 ok, 1 data/user error, 2 usage).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/core/progress.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/version.h"

namespace {

std::string version_text() {
  const auto& f = hfcpp::core::cpu_features();
  return fmt::format(
      "hfcpp {} (commit {})\ncpu: {}\ncpu features: {}\nkernel path: {}\nblas: {}\nthreads: {}",
      HFCPP_VERSION_STRING, HFCPP_GIT_COMMIT, f.brand.empty() ? "unknown" : f.brand,
      hfcpp::core::describe_cpu_features(), hfcpp::core::isa_name(hfcpp::core::active_isa()),
#ifdef HFCPP_HAVE_OPENBLAS
      "openblas",
#else
      "none",
#endif
      hfcpp::core::hardware_threads());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hfcpp: the Hugging Face stack, native in C++"};
  app.name("hfcpp");
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the subcommand name too
  hfcpp::cli::GlobalOptions global;
  bool show_version = false;
  app.add_flag("--version", show_version, "Print version, CPU features and kernel path");
  app.add_option("--threads", global.threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-v,--verbose", global.verbose, "Log more (same as HFCPP_LOG=debug)");
  app.add_flag("-q,--quiet", global.quiet, "Log errors only, no progress bars");
  app.parse_complete_callback([&] {
    if (global.verbose) hfcpp::core::set_log_level(hfcpp::core::LogLevel::Debug);
    if (global.quiet) {
      hfcpp::core::set_log_level(hfcpp::core::LogLevel::Error);
      hfcpp::core::ProgressBar::set_globally_enabled(false);
    }
    if (global.threads > 0) hfcpp::core::set_num_threads(global.threads);
  });
  hfcpp::cli::register_all_commands(app, global);

  // --version alone must work although a subcommand is otherwise required.
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--version") {
      std::puts(version_text().c_str());
      return 0;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "hfcpp: error: %s\nRun 'hfcpp --help' (or 'hfcpp SUBCOMMAND --help') for usage.\n",
                 e.what());
    return 2;
  } catch (const hfcpp::Error& e) {
    std::fprintf(stderr, "hfcpp: error: %s\n", e.what());
    return hfcpp::core::exit_code_for(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "hfcpp: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hfcpp: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
