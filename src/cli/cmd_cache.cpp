// `hfcpp cache scan|ls [--json] [--revisions]` and `hfcpp cache rm TARGET... [--revision R]`:
// the Hugging Face cache as `hf cache ls` / `hf cache rm` see it (huggingface_hub.scan_cache_dir).
#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/hub/cache_scan.h"

namespace hfcpp::cli {
namespace {

std::string time_since(double ts) {
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  double delta = now - ts;
  if (delta < 20) return "a few seconds ago";
  struct Chunk {
    const char* label;
    double divider;
    double max_value;  // < 0: none
  };
  const Chunk chunks[] = {{"second", 1, 60},          {"minute", 60, 60},          {"hour", 3600, 24},
                          {"day", 86400, 6},          {"week", 86400 * 7, 6},      {"month", 86400 * 30, 11},
                          {"year", 86400 * 365, -1}};
  long value = 0;
  const char* label = "year";
  for (const auto& c : chunks) {
    value = std::lround(delta / c.divider);
    label = c.label;
    if (c.max_value >= 0 && value <= c.max_value) break;
  }
  return fmt::format("{} {}{} ago", value, label, value > 1 ? "s" : "");
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

core::OrderedJson to_json(const hub::CacheInfo& info) {
  core::OrderedJson out;
  out["cache_dir"] = info.cache_dir;
  out["size_on_disk"] = info.size_on_disk;
  out["repos"] = core::OrderedJson::array();
  for (const auto& repo : info.repos) {
    core::OrderedJson r;
    r["id"] = repo.cache_id();
    r["repo_id"] = repo.repo_id;
    r["repo_type"] = hub::repo_type_name(repo.repo_type);
    r["repo_path"] = repo.repo_path;
    r["size_on_disk"] = repo.size_on_disk;
    r["nb_files"] = repo.nb_files;
    r["last_accessed"] = repo.last_accessed;
    r["last_modified"] = repo.last_modified;
    std::vector<std::string> refs;
    r["revisions"] = core::OrderedJson::array();
    for (const auto& rev : repo.revisions) {
      core::OrderedJson v;
      v["commit_hash"] = rev.commit_hash;
      v["snapshot_path"] = rev.snapshot_path;
      v["size_on_disk"] = rev.size_on_disk;
      v["last_modified"] = rev.last_modified;
      v["refs"] = rev.refs;
      refs.insert(refs.end(), rev.refs.begin(), rev.refs.end());
      v["files"] = core::OrderedJson::array();
      for (const auto& f : rev.files)
        v["files"].push_back({{"file_name", f.file_name},
                              {"file_path", f.file_path},
                              {"blob_path", f.blob_path},
                              {"size_on_disk", f.size_on_disk},
                              {"blob_last_accessed", f.blob_last_accessed},
                              {"blob_last_modified", f.blob_last_modified}});
      r["revisions"].push_back(std::move(v));
    }
    std::sort(refs.begin(), refs.end());
    r["refs"] = refs;
    out["repos"].push_back(std::move(r));
  }
  out["warnings"] = info.warnings;
  out["incomplete_files"] = info.incomplete_files;
  out["incomplete_size_on_disk"] = info.incomplete_size;
  return out;
}

void print_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                 size_t right_aligned_column) {
  std::vector<size_t> width(headers.size());
  for (size_t c = 0; c < headers.size(); ++c) width[c] = headers[c].size();
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string cell = c == right_aligned_column ? fmt::format("{:>{}}", cells[c], width[c])
                                                   : fmt::format("{:<{}}", cells[c], width[c]);
      out += (c ? " " : "") + cell;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::printf("%s\n", out.c_str());
  };
  line(headers);
  std::vector<std::string> dashes;
  for (size_t w : width) dashes.push_back(std::string(w, '-'));
  line(dashes);
  for (const auto& row : rows) line(row);
}

}  // namespace

void register_cache(CLI::App& app, GlobalOptions& global) {
  auto* cache = app.add_subcommand("cache", "Inspect and clean the Hugging Face cache (as `hf cache`)");
  cache->require_subcommand(1);

  struct ScanArgs {
    std::string cache_dir;
    bool json = false, revisions = false;
  };
  auto scan_args = std::make_shared<ScanArgs>();
  auto* scan = cache->add_subcommand("scan", "List cached repositories (alias: ls)");
  scan->alias("ls");
  scan->add_option("--cache-dir", scan_args->cache_dir, "Cache folder (default: HF_HUB_CACHE or HF_HOME/hub)");
  scan->add_flag("--json", scan_args->json, "Print one JSON object (repos, revisions, files, sizes, times)");
  scan->add_flag("--revisions", scan_args->revisions, "One row per revision instead of per repository");
  scan->callback([scan_args] {
    hub::CacheInfo info = hub::scan_cache_dir(scan_args->cache_dir);
    if (scan_args->json) {
      std::printf("%s\n", to_json(info).dump(2).c_str());
      return;
    }
    std::vector<std::vector<std::string>> rows;
    size_t revision_count = 0;
    for (const auto& repo : info.repos) {
      revision_count += repo.revisions.size();
      if (scan_args->revisions) {
        for (const auto& rev : repo.revisions)
          rows.push_back({repo.cache_id(), rev.commit_hash, hub::format_cache_size(rev.size_on_disk),
                          time_since(rev.last_modified), join(rev.refs, " ")});
      } else {
        std::vector<std::string> refs;
        for (const auto& rev : repo.revisions) refs.insert(refs.end(), rev.refs.begin(), rev.refs.end());
        std::sort(refs.begin(), refs.end());
        rows.push_back({repo.cache_id(), hub::format_cache_size(repo.size_on_disk), time_since(repo.last_accessed),
                        time_since(repo.last_modified), join(refs, " ")});
      }
    }
    if (scan_args->revisions)
      print_table({"ID", "REVISION", "SIZE", "LAST_MODIFIED", "REFS"}, rows, 2);
    else
      print_table({"ID", "SIZE", "LAST_ACCESSED", "LAST_MODIFIED", "REFS"}, rows, 1);
    std::printf("\nFound %zu repo(s) for a total of %zu revision(s) and %s on disk.\n", info.repos.size(),
                revision_count, hub::format_cache_size(info.size_on_disk).c_str());
    if (!info.warnings.empty()) {
      std::fprintf(stderr, "hfcpp: warning: %zu cache inconsistencies (repos ignored):\n", info.warnings.size());
      for (const auto& w : info.warnings) std::fprintf(stderr, "  %s\n", w.c_str());
    }
    if (!info.incomplete_files.empty())
      std::fprintf(stderr, "Found %zu incomplete download(s) totalling %s.\n", info.incomplete_files.size(),
                   hub::format_cache_size(info.incomplete_size).c_str());
  });

  struct RmArgs {
    std::vector<std::string> targets;
    std::string revision, repo_type = "model", cache_dir;
    bool dry_run = false, yes = false;
  };
  auto rm_args = std::make_shared<RmArgs>();
  auto* rm = cache->add_subcommand("rm", "Delete cached repositories or revisions");
  rm->add_option("TARGETS", rm_args->targets,
                 "Repo ids (org/name, or model/org/name as `hf cache ls` shows them) or 40-hex revision hashes")
      ->required();
  rm->add_option("--revision", rm_args->revision, "Only this revision (a ref such as main, or a commit hash)");
  rm->add_option("--repo-type", rm_args->repo_type, "model, dataset or space (for plain repo ids)")
      ->check(CLI::IsMember({"model", "dataset", "space"}));
  rm->add_option("--cache-dir", rm_args->cache_dir, "Cache folder (default: HF_HUB_CACHE or HF_HOME/hub)");
  rm->add_flag("--dry-run", rm_args->dry_run, "Show what would be deleted, delete nothing");
  rm->add_flag("-y,--yes", rm_args->yes, "Accepted for compatibility with `hf cache rm` (hfcpp never prompts)");
  rm->callback([rm_args] {
    hub::CacheInfo info = hub::scan_cache_dir(rm_args->cache_dir);
    hub::RepoType default_type = hub::parse_repo_type(rm_args->repo_type);
    std::vector<std::string> hashes, missing;
    for (const auto& target : rm_args->targets) {
      bool found = false;
      for (const auto& repo : info.repos) {
        bool repo_match = target == repo.cache_id() || (target == repo.repo_id && repo.repo_type == default_type);
        for (const auto& rev : repo.revisions) {
          bool rev_match = repo_match && (rm_args->revision.empty() || rev.commit_hash == rm_args->revision ||
                                          std::find(rev.refs.begin(), rev.refs.end(), rm_args->revision) !=
                                              rev.refs.end());
          if (rev_match || target == rev.commit_hash) {
            hashes.push_back(rev.commit_hash);
            found = true;
          }
        }
      }
      if (!found) missing.push_back(target);
    }
    for (const auto& m : missing)
      std::fprintf(stderr, "hfcpp: warning: not in the cache: %s%s\n", m.c_str(),
                   rm_args->revision.empty() ? "" : (" at revision " + rm_args->revision).c_str());
    if (hashes.empty()) {
      HFCPP_CHECK(missing.empty(), ErrorCode::NotFound, "[cache] nothing to delete: {} not found in {}",
                  join(missing, ", "), info.cache_dir);
      std::printf("Nothing to delete.\n");
      return;
    }
    hub::DeletePlan plan = hub::plan_delete_revisions(info, hashes);
    std::printf("%s %zu revision(s) (%zu whole repo(s)), freeing %s.\n", rm_args->dry_run ? "Would delete" : "Deleting",
                hashes.size(), plan.repos.size(), hub::format_cache_size(plan.expected_freed).c_str());
    if (rm_args->dry_run) return;
    hub::execute_delete_plan(plan);
    std::printf("Done.\n");
  });
}

}  // namespace hfcpp::cli
