// `hfcpp upload REPO_ID [LOCAL_PATH] [PATH_IN_REPO]` (hf upload's contract: creates the repo if
// missing, prints the URL of what was uploaded), `hfcpp models search QUERY` and
// `hfcpp model info ID`.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/hub/upload.h"
#include "hfcpp/hub/settings.h"

namespace hfcpp::cli {

void register_upload(CLI::App& app, GlobalOptions& global) {
  struct Args {
    std::string repo_id, local_path, path_in_repo, repo_type = "model", revision = "main", message, description, token;
    bool is_private = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("upload", "Upload a file or folder to a repository on the Hub (created if missing)");
  cmd->add_option("REPO_ID", args->repo_id, "Repository id, e.g. org/name")->required();
  cmd->add_option("LOCAL_PATH", args->local_path, "File or folder to upload (default: the current folder)");
  cmd->add_option("PATH_IN_REPO", args->path_in_repo, "Destination in the repository (default: file name, or the root)");
  cmd->add_option("--repo-type", args->repo_type, "model, dataset or space")->check(CLI::IsMember({"model", "dataset", "space"}));
  cmd->add_option("--revision", args->revision, "Branch to commit to (default: main)");
  cmd->add_flag("--private", args->is_private, "Create the repository as private if it does not exist");
  cmd->add_option("--commit-message", args->message, "Commit summary");
  cmd->add_option("--commit-description", args->description, "Commit description");
  cmd->add_option("--token", args->token, "Access token (default: HF_TOKEN or HF_HOME/token)");
  cmd->callback([args, &global] {
    hub::HubApiOptions opt;
    opt.repo_type = hub::parse_repo_type(args->repo_type);
    opt.revision = args->revision;
    if (!args->token.empty()) opt.token = args->token;
    std::string local = args->local_path.empty() ? "." : args->local_path;
    bool is_file = std::filesystem::is_regular_file(local);
    std::string message = args->message;
    if (message.empty()) message = is_file ? "Upload " + (args->path_in_repo.empty() ? std::filesystem::path(local).filename().string() : args->path_in_repo) : "Upload folder using hfcpp";
    std::string url = hub::create_repo(args->repo_id, opt, args->is_private, true);
    auto result = hub::upload_path(args->repo_id, local, args->path_in_repo, opt, message, args->description);
    if (!global.quiet) {
      if (result.commit_oid.empty())
        std::fprintf(stderr, "No files have been modified since the last commit; nothing uploaded.\n");
      else
        std::fprintf(stderr, "Committed %zu file(s) (%zu unchanged): %s\n", result.files_committed,
                     result.files_unchanged, result.commit_url.c_str());
    }
    std::string dest = is_file ? (args->path_in_repo.empty() ? std::filesystem::path(local).filename().string() : args->path_in_repo) : args->path_in_repo;
    std::printf("%s/%s/%s/%s\n", url.c_str(), is_file ? "blob" : "tree", hub::url_quote(args->revision, false).c_str(),
                dest.c_str());
  });
}

void register_models(CLI::App& app, GlobalOptions& global) {
  auto q = std::make_shared<hub::ModelSearch>();
  auto json = std::make_shared<bool>(false);
  auto* models = app.add_subcommand("models", "Search models on the Hub");
  models->require_subcommand(1);
  auto* search = models->add_subcommand("search", "Search models by name and filters");
  search->add_option("QUERY", q->search, "Text the repository id contains");
  search->add_option("--task", q->task, "pipeline tag, e.g. text-classification");
  search->add_option("--library", q->library, "library, e.g. transformers");
  search->add_option("--license", q->license, "license id, e.g. mit");
  search->add_option("--author", q->author, "namespace");
  search->add_option("--sort", q->sort, "downloads, likes or last_modified")
      ->check(CLI::IsMember({"downloads", "likes", "last_modified"}));
  search->add_option("--limit", q->limit, "Maximum number of results (default 20)")->check(CLI::PositiveNumber);
  search->add_flag("--json", *json, "Print the API's JSON");
  search->callback([q, json, &global] {
    (void)global;
    core::Json found = hub::search_models(*q, hub::HubApiOptions{});
    if (*json) {
      std::printf("%s\n", found.dump(2).c_str());
      return;
    }
    std::printf("%-48s %-24s %10s %6s  %s\n", "ID", "TASK", "DOWNLOADS", "LIKES", "LAST MODIFIED");
    for (const auto& m : found) {
      auto str = [&](const char* k) { return m.contains(k) && m[k].is_string() ? m[k].get<std::string>() : std::string(); };
      auto num = [&](const char* k) { return m.contains(k) && m[k].is_number() ? m[k].get<long long>() : 0LL; };
      std::printf("%-48s %-24s %10lld %6lld  %s\n", str("id").c_str(), str("pipeline_tag").c_str(), num("downloads"),
                  num("likes"), str("lastModified").substr(0, 10).c_str());
    }
  });

  struct InfoArgs {
    std::string id, revision = "main", repo_type = "model";
    bool json = false;
  };
  auto a = std::make_shared<InfoArgs>();
  auto* model = app.add_subcommand("model", "Information about one model on the Hub");
  model->require_subcommand(1);
  auto* info = model->add_subcommand("info", "Show a model's metadata and files");
  info->add_option("ID", a->id, "Repository id")->required();
  info->add_option("--revision", a->revision, "Branch, tag or commit");
  info->add_flag("--json", a->json, "Print the API's JSON");
  info->callback([a] {
    hub::HubApiOptions opt;
    opt.revision = a->revision;
    core::Json j = hub::repo_info(a->id, opt);
    if (a->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string("-"); };
    std::printf("id:            %s\nsha:           %s\nlast modified: %s\ntask:          %s\nlibrary:       %s\n",
                str("id").c_str(), str("sha").c_str(), str("lastModified").c_str(), str("pipeline_tag").c_str(),
                str("library_name").c_str());
    if (j.contains("downloads")) std::printf("downloads:     %s\n", j["downloads"].dump().c_str());
    if (j.contains("tags")) std::printf("tags:          %s\n", j["tags"].dump().c_str());
    if (j.contains("siblings") && j["siblings"].is_array()) {
      std::printf("files:\n");
      for (const auto& s : j["siblings"])
        if (s.contains("rfilename")) std::printf("  %s\n", s["rfilename"].get<std::string>().c_str());
    }
  });
}

}  // namespace hfcpp::cli
