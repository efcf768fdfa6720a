// `hfcpp download REPO_ID [FILENAMES...]`: hf download's contract. Prints the local path (the
// snapshot folder, or the file when exactly one filename is given) on stdout.
#include <cstdio>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/hub/download.h"

namespace hfcpp::cli {

void register_download(CLI::App& app, GlobalOptions& global) {
  struct Args {
    std::string repo_id, repo_type = "model", revision = "main", local_dir, cache_dir, token;
    std::vector<std::string> filenames, include, exclude;
    int max_workers = 8;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("download", "Download files from the Hub into the Hugging Face cache (or --local-dir)");
  cmd->add_option("REPO_ID", args->repo_id, "Repository id, e.g. org/name")->required();
  cmd->add_option("FILENAMES", args->filenames, "Files to download (default: the whole repository)");
  cmd->add_option("--repo-type", args->repo_type, "model, dataset or space")
      ->check(CLI::IsMember({"model", "dataset", "space"}));
  cmd->add_option("--revision", args->revision, "Branch, tag or commit (default: main)");
  cmd->add_option("--include", args->include, "Glob patterns of files to download (repeatable)");
  cmd->add_option("--exclude", args->exclude, "Glob patterns of files to skip (repeatable)");
  cmd->add_option("--local-dir", args->local_dir, "Put the files in this folder instead of the cache");
  cmd->add_option("--cache-dir", args->cache_dir, "Cache folder (default: HF_HUB_CACHE or HF_HOME/hub)");
  cmd->add_option("--token", args->token, "Access token (default: HF_TOKEN or HF_HOME/token)");
  cmd->add_option("--max-workers", args->max_workers, "Parallel file downloads (default 8)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--force-download", args->force, "Download even if the files are cached");
  cmd->callback([args, &global] {
    hub::DownloadOptions opt;
    opt.repo_type = hub::parse_repo_type(args->repo_type);
    opt.revision = args->revision;
    opt.local_dir = args->local_dir;
    opt.cache_dir = args->cache_dir;
    if (!args->token.empty()) opt.token = args->token;
    opt.max_workers = args->max_workers;
    opt.allow_patterns = args->include;
    opt.ignore_patterns = args->exclude;
    opt.force_download = args->force;
    opt.progress = !global.quiet;
    std::string path;
    if (!args->filenames.empty() && (!args->include.empty() || !args->exclude.empty())) {
      std::fprintf(stderr, "hfcpp: warning: ignoring --include/--exclude since filenames are given\n");
      opt.allow_patterns.clear();
      opt.ignore_patterns.clear();
    }
    if (args->filenames.size() == 1) {
      path = hub::hub_download(args->repo_id, args->filenames[0], opt);
    } else {
      // Several filenames become allow patterns, as `hf download` does.
      if (!args->filenames.empty()) opt.allow_patterns = args->filenames;
      path = hub::snapshot_download(args->repo_id, opt);
    }
    std::printf("%s\n", path.c_str());
  });
}

}  // namespace hfcpp::cli
