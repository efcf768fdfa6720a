// snapshot_download: resolve the revision, list the files (cached in trees/<commit>.json as
// huggingface_hub does), filter them by patterns and fetch them with max_workers threads.
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/download.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"

namespace hfcpp::hub {
namespace detail {
namespace {

std::string tree_cache_path(const std::string& folder, const std::string& commit) {
  return folder + "/trees/" + commit + ".json";
}

std::optional<std::vector<RepoFileInfo>> read_tree_cache(const std::string& folder, const std::string& commit) {
  std::string path = tree_cache_path(folder, commit);
  if (!is_regular_file(path)) return std::nullopt;
  try {
    core::Json data = core::parse_json(read_small_file(path), path);
    if (!data.is_object() || data.value("format_version", 0) != 1 || !data.contains("files") ||
        !data["files"].is_object())
      return std::nullopt;
    std::vector<RepoFileInfo> files;
    for (const auto& [name, info] : data["files"].items()) {
      RepoFileInfo f;
      f.path = name;
      f.size = info.at("size").get<uint64_t>();
      f.blob_id = info.at("blob_id").get<std::string>();
      if (info.contains("lfs_sha256") && info["lfs_sha256"].is_string()) {
        f.lfs_sha256 = info["lfs_sha256"].get<std::string>();
        if (info.contains("lfs_size") && info["lfs_size"].is_number()) f.lfs_size = info["lfs_size"].get<uint64_t>();
      }
      if (info.contains("xet_hash") && info["xet_hash"].is_string()) f.xet_hash = info["xet_hash"].get<std::string>();
      files.push_back(std::move(f));
    }
    return files;
  } catch (const std::exception& e) {
    HFCPP_LOG_WARN("[hub] ignoring corrupted tree cache file {}: {}", path, e.what());
    return std::nullopt;
  }
}

// Same bytes as huggingface_hub's json.dump(indent=1): keys in that order, files sorted, ASCII.
void write_tree_cache(const std::string& folder, const std::string& commit, const std::vector<RepoFileInfo>& files) {
  core::OrderedJson data;
  data["format_version"] = 1;
  core::OrderedJson entries = core::OrderedJson::object();
  std::vector<const RepoFileInfo*> sorted;
  for (const auto& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->path < b->path; });
  for (const auto* f : sorted) {
    core::OrderedJson e;
    e["size"] = f->size;
    e["blob_id"] = f->blob_id;
    if (f->lfs_sha256) {
      e["lfs_sha256"] = *f->lfs_sha256;
      e["lfs_size"] = f->lfs_size ? core::OrderedJson(*f->lfs_size) : core::OrderedJson(nullptr);
    }
    if (f->xet_hash) e["xet_hash"] = *f->xet_hash;
    entries[f->path] = std::move(e);
  }
  data["files"] = std::move(entries);
  try {
    make_dirs(folder + "/trees");
    write_file_replace(tree_cache_path(folder, commit), data.dump(1, ' ', true));
  } catch (const Error& e) {
    HFCPP_LOG_WARN("[hub] ignored error while writing the tree cache: {}", e.what());
  }
}

}  // namespace
}  // namespace detail

using namespace detail;

std::string snapshot_download(const std::string& repo_id, const DownloadOptions& options) {
  DownloadOptions opt = resolve_options(options);
  validate_repo_id(repo_id);
  validate_revision(opt.revision);
  const std::string storage = opt.cache_dir + "/" + repo_folder_name(repo_id, opt.repo_type);
  const std::string tree_folder = opt.local_dir.empty() ? storage : opt.local_dir + "/.cache/huggingface";

  std::optional<std::string> commit;
  if (is_commit_hash(opt.revision)) commit = opt.revision;
  std::optional<Error> api_error;
  if (!commit && !opt.offline) {
    try {
      commit = resolve_revision(repo_id, opt);
      HFCPP_CHECK(!commit->empty() && commit->find('/') == std::string::npos && *commit != "..", ErrorCode::Format,
                  "[hub] the server returned an unusable commit sha '{}' for {}", *commit, repo_id);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Network) throw;
      api_error = e;
    }
  }
  if (!commit || opt.offline) {
    if (!commit) commit = cached_commit_for(storage, opt.revision);
    std::string why = opt.offline ? std::string("offline mode (HF_HUB_OFFLINE)")
                                  : (api_error ? std::string(api_error->what()) : std::string("no network"));
    if (commit && opt.local_dir.empty()) {
      std::string folder = storage + "/snapshots/" + *commit;
      if (is_directory(folder)) {
        // A partial snapshot (interrupted download) is only returned if the tree listing says it is whole.
        if (auto files = read_tree_cache(tree_folder, *commit)) {
          std::vector<std::string> missing;
          for (const auto& f : *files)
            if (passes_patterns(f.path, opt.allow_patterns, opt.ignore_patterns) &&
                !is_regular_file(folder + "/" + f.path))
              missing.push_back(f.path);
          HFCPP_CHECK(missing.empty(), ErrorCode::NotFound,
                      "[hub] the cached snapshot of '{}' (revision '{}', commit {}) is incomplete: {} file(s) "
                      "missing (first: {}); {}",
                      repo_id, opt.revision, *commit, missing.size(), missing.front(), why);
        }
        return folder;
      }
    }
    if (!opt.local_dir.empty() && is_directory(opt.local_dir)) return opt.local_dir;
    HFCPP_THROW(ErrorCode::NotFound, "[hub] {} '{}' at revision '{}' is not in the cache {} and cannot be fetched: {}",
                repo_type_name(opt.repo_type), repo_id, opt.revision, opt.cache_dir, why);
  }

  auto files = read_tree_cache(tree_folder, *commit);
  if (!files) {
    files = list_repo_files(repo_id, *commit, opt);
    write_tree_cache(tree_folder, *commit, *files);
  }
  std::vector<std::string> wanted;
  for (const auto& f : *files) {
    if (!passes_patterns(f.path, opt.allow_patterns, opt.ignore_patterns)) continue;
    validate_repo_filename(f.path);  // refuse the whole listing before writing anything
    wanted.push_back(f.path);
  }
  try {
    write_ref(storage, opt.revision, *commit);
  } catch (const Error& e) {
    HFCPP_LOG_WARN("[hub] ignored error while writing the ref '{}': {}", opt.revision, e.what());
  }

  DownloadOptions per_file = opt;
  per_file.revision = *commit;
  TransferProgress progress(fmt::format("Fetching {} files", wanted.size()), opt.progress);
  progress.set_file_count(wanted.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mu;
  auto worker = [&] {
    while (!failed) {
      size_t i = next++;
      if (i >= wanted.size()) return;
      try {
        hub_download_with_progress(repo_id, wanted[i], per_file, progress);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  size_t n_threads = std::min<size_t>(static_cast<size_t>(opt.max_workers), wanted.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  if (n_threads > 0) worker();
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
  if (!opt.local_dir.empty()) return opt.local_dir;
  return storage + "/snapshots/" + *commit;
}

bool fnmatch_case(std::string_view name, std::string_view pat) {
  // Iterative matcher with backtracking on the last '*'; supports ?, [seq], [!seq].
  size_t n = 0, p = 0, star_p = std::string_view::npos, star_n = 0;
  auto match_class = [&](size_t& pi, char c) -> int {  // -1: malformed (treat '[' literally)
    size_t i = pi + 1;
    bool negate = false;
    if (i < pat.size() && pat[i] == '!') {
      negate = true;
      ++i;
    }
    bool matched = false;
    bool first = true;
    while (i < pat.size() && (first || pat[i] != ']')) {
      first = false;
      char lo = pat[i];
      if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
        if (c >= lo && c <= pat[i + 2]) matched = true;
        i += 3;
      } else {
        if (c == lo) matched = true;
        ++i;
      }
    }
    if (i >= pat.size()) return -1;
    pi = i + 1;
    return matched != negate ? 1 : 0;
  };
  while (n < name.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pat.size()) {
      if (pat[p] == '?') {
        ++p;
        ++n;
        continue;
      }
      if (pat[p] == '[') {
        size_t pi = p;
        int m = match_class(pi, name[n]);
        if (m == 1) {
          p = pi;
          ++n;
          continue;
        }
        if (m == -1 && name[n] == '[') {
          ++p;
          ++n;
          continue;
        }
      } else if (pat[p] == name[n]) {
        ++p;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool passes_patterns(std::string_view path, const std::vector<std::string>& allow, const std::vector<std::string>& ignore) {
  auto normalize = [](std::string p) {
    for (char& c : p)
      if (c == '\\') c = '/';
    if (!p.empty() && p.back() == '/') p += '*';
    return p;
  };
  if (!allow.empty()) {
    bool any = false;
    for (const auto& a : allow)
      if (fnmatch_case(path, normalize(a))) any = true;
    if (!any) return false;
  }
  for (const auto& i : ignore)
    if (fnmatch_case(path, normalize(i))) return false;
  return true;
}

}  // namespace hfcpp::hub
