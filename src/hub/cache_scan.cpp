#include "hfcpp/hub/cache_scan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/settings.h"
#include "hub/fs_util.h"

namespace hfcpp::hub {
namespace fs = std::filesystem;
namespace {

bool ignored_name(const std::string& name) {
  return name == ".DS_Store" || name == "Thumbs.db" || name == "desktop.ini";
}

double to_seconds(const struct timespec& ts) { return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9; }

struct BlobStat {
  uint64_t size;
  double atime, mtime;
};

CachedRepo scan_repo(const fs::path& repo_path) {
  auto fail = [&](const std::string& why) { HFCPP_THROW(ErrorCode::Format, "{}", why); };
  std::error_code ec;
  if (!fs::is_directory(repo_path, ec)) fail("Repo path is not a directory: " + repo_path.string());
  auto ref = parse_repo_folder_name(repo_path.filename().string());
  if (!ref) fail("Repo path is not a valid HuggingFace cache directory: " + repo_path.string());
  CachedRepo repo;
  repo.repo_id = ref->repo_id;
  repo.repo_type = ref->type;
  repo.repo_path = repo_path.string();
  fs::path snapshots = repo_path / "snapshots";
  fs::path refs = repo_path / "refs";
  if (!fs::is_directory(snapshots, ec)) fail("Snapshots dir doesn't exist in cached repo: " + snapshots.string());

  std::map<std::string, std::set<std::string>> refs_by_hash;
  if (fs::exists(refs, ec)) {
    if (!fs::is_directory(refs, ec)) fail("Refs directory cannot be a file: " + refs.string());
    for (auto it = fs::recursive_directory_iterator(refs, ec); it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_directory() || ignored_name(it->path().filename().string())) continue;
      refs_by_hash[detail::read_small_file(it->path().string())].insert(it->path().lexically_relative(refs).string());
    }
  }

  std::map<std::string, BlobStat> blob_stats;
  for (const auto& rev_entry : fs::directory_iterator(snapshots, ec)) {
    std::string rev_name = rev_entry.path().filename().string();
    if (ignored_name(rev_name)) continue;
    if (!rev_entry.is_directory()) fail("Snapshots folder corrupted. Found a file: " + rev_entry.path().string());
    CachedRevision rev;
    rev.commit_hash = rev_name;
    rev.snapshot_path = rev_entry.path().string();
    std::set<std::string> rev_blobs;
    for (auto it = fs::recursive_directory_iterator(rev_entry.path(), ec); it != fs::recursive_directory_iterator();
         ++it) {
      if (it->is_directory()) continue;
      fs::path file = it->path();
      std::string blob;
      if (fs::is_symlink(file)) {
        blob = (file.parent_path() / fs::read_symlink(file)).lexically_normal().string();
      } else {
        blob = file.string();
      }
      auto found = blob_stats.find(blob);
      if (found == blob_stats.end()) {
        struct stat st;
        if (::stat(blob.c_str(), &st) != 0) fail("Blob missing (broken symlink): " + blob);
        found = blob_stats.emplace(blob, BlobStat{static_cast<uint64_t>(st.st_size), to_seconds(st.st_atim),
                                                  to_seconds(st.st_mtim)})
                    .first;
      }
      CachedFile f;
      f.file_name = file.filename().string();
      f.file_path = file.string();
      f.blob_path = blob;
      f.size_on_disk = found->second.size;
      f.blob_last_accessed = found->second.atime;
      f.blob_last_modified = found->second.mtime;
      rev_blobs.insert(blob);
      rev.files.push_back(std::move(f));
    }
    std::sort(rev.files.begin(), rev.files.end(),
              [](const CachedFile& a, const CachedFile& b) { return a.file_path < b.file_path; });
    if (!rev.files.empty()) {
      for (const auto& b : rev_blobs) rev.last_modified = std::max(rev.last_modified, blob_stats[b].mtime);
    } else {
      struct stat st;
      if (::stat(rev.snapshot_path.c_str(), &st) == 0) rev.last_modified = to_seconds(st.st_mtim);
    }
    for (const auto& b : rev_blobs) rev.size_on_disk += blob_stats[b].size;
    auto refs_it = refs_by_hash.find(rev_name);
    if (refs_it != refs_by_hash.end()) {
      rev.refs.assign(refs_it->second.begin(), refs_it->second.end());
      refs_by_hash.erase(refs_it);
    }
    repo.revisions.push_back(std::move(rev));
  }
  if (!refs_by_hash.empty())
    fail(fmt::format("Reference(s) refer to missing commit hashes: {} ({})", refs_by_hash.begin()->first,
                     repo_path.string()));
  std::sort(repo.revisions.begin(), repo.revisions.end(),
            [](const auto& a, const auto& b) { return a.commit_hash < b.commit_hash; });
  if (!blob_stats.empty()) {
    for (const auto& [path, st] : blob_stats) {
      repo.last_accessed = std::max(repo.last_accessed, st.atime);
      repo.last_modified = std::max(repo.last_modified, st.mtime);
      repo.size_on_disk += st.size;
    }
  } else {
    struct stat st;
    if (::stat(repo.repo_path.c_str(), &st) == 0) {
      repo.last_accessed = to_seconds(st.st_atim);
      repo.last_modified = to_seconds(st.st_mtim);
    }
  }
  repo.nb_files = blob_stats.size();
  return repo;
}

}  // namespace

CacheInfo scan_cache_dir(const std::string& cache_dir_arg) {
  CacheInfo info;
  info.cache_dir = detail::absolute_path(cache_dir_arg.empty() ? default_cache_dir() : cache_dir_arg);
  std::error_code ec;
  HFCPP_CHECK(fs::exists(info.cache_dir, ec), ErrorCode::NotFound,
              "[hub] cache directory not found: {} (use --cache-dir or set HF_HUB_CACHE)", info.cache_dir);
  HFCPP_CHECK(fs::is_directory(info.cache_dir, ec), ErrorCode::InvalidArgument,
              "[hub] the cache should be a folder, got a file: {}", info.cache_dir);
  std::set<std::string> all_blobs;
  for (const auto& entry : fs::directory_iterator(info.cache_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (ignored_name(name) || name == ".locks" || name == "CACHEDIR.TAG") continue;
    // huggingface_hub's shared xet blob store (marked by a file) is not a repo.
    if (name == "blobs" && fs::exists(entry.path() / ".huggingface-shared-blobs", ec)) continue;
    try {
      info.repos.push_back(scan_repo(entry.path()));
    } catch (const Error& e) {
      info.warnings.push_back(e.message());
    } catch (const fs::filesystem_error& e) {
      info.warnings.push_back(e.what());
    }
  }
  std::sort(info.repos.begin(), info.repos.end(), [](const CachedRepo& a, const CachedRepo& b) {
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    return std::make_pair(std::string(repo_type_name(a.repo_type)), lower(a.repo_id)) <
           std::make_pair(std::string(repo_type_name(b.repo_type)), lower(b.repo_id));
  });
  for (const auto& repo : info.repos)
    for (const auto& rev : repo.revisions)
      for (const auto& f : rev.files) all_blobs.insert(f.blob_path);
  for (const auto& b : all_blobs) info.size_on_disk += detail::file_size(b).value_or(0);
  for (const auto& entry : fs::directory_iterator(info.cache_dir, ec)) {
    fs::path blobs = entry.path() / "blobs";
    if (!fs::is_directory(blobs, ec)) continue;
    for (const auto& b : fs::directory_iterator(blobs, ec)) {
      std::string n = b.path().filename().string();
      if (n.size() > 11 && n.compare(n.size() - 11, 11, ".incomplete") == 0) {
        info.incomplete_files.push_back(b.path().string());
        info.incomplete_size += detail::file_size(b.path().string()).value_or(0);
      }
    }
  }
  std::sort(info.incomplete_files.begin(), info.incomplete_files.end());
  return info;
}

DeletePlan plan_delete_revisions(const CacheInfo& info, const std::vector<std::string>& hashes) {
  std::set<std::string> wanted(hashes.begin(), hashes.end());
  DeletePlan plan;
  std::map<std::string, uint64_t> blobs_to_unlink;
  for (const auto& repo : info.repos) {
    std::vector<const CachedRevision*> deleted, kept;
    for (const auto& rev : repo.revisions) (wanted.count(rev.commit_hash) ? deleted : kept).push_back(&rev);
    if (deleted.empty()) continue;
    if (kept.empty()) {
      plan.repos.push_back(repo.repo_path);
      for (const auto& rev : repo.revisions)
        for (const auto& f : rev.files) blobs_to_unlink[f.blob_path] = f.size_on_disk;
      continue;
    }
    std::set<std::string> kept_blobs;
    for (const auto* rev : kept)
      for (const auto& f : rev->files) kept_blobs.insert(f.blob_path);
    for (const auto* rev : deleted) {
      plan.snapshots.push_back(rev->snapshot_path);
      for (const auto& r : rev->refs) plan.refs.push_back(repo.repo_path + "/refs/" + r);
      for (const auto& f : rev->files) {
        if (kept_blobs.count(f.blob_path)) continue;
        blobs_to_unlink[f.blob_path] = f.size_on_disk;
        plan.blobs.push_back(f.blob_path);
      }
    }
  }
  std::sort(plan.blobs.begin(), plan.blobs.end());
  plan.blobs.erase(std::unique(plan.blobs.begin(), plan.blobs.end()), plan.blobs.end());
  for (const auto& [path, size] : blobs_to_unlink) plan.expected_freed += size;
  return plan;
}

void execute_delete_plan(const DeletePlan& plan) {
  auto remove = [](const std::string& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) HFCPP_LOG_WARN("[hub] could not delete {}: {}", path, ec.message());
  };
  for (const auto& p : plan.blobs) remove(p);
  for (const auto& p : plan.refs) remove(p);
  for (const auto& p : plan.snapshots) remove(p);
  for (const auto& p : plan.repos) remove(p);
}

std::string format_cache_size(uint64_t bytes) {
  double v = static_cast<double>(bytes);
  const char* units[] = {"", "K", "M", "G", "T", "P", "E", "Z"};
  for (const char* u : units) {
    if (std::fabs(v) < 1000.0) return fmt::format("{:3.1f}{}", v, u);
    v /= 1000.0;
  }
  return fmt::format("{:.1f}Y", v);
}

}  // namespace hfcpp::hub
