// scan_cache_dir and revision deletion, as huggingface_hub's utils/_cache_manager.py computes
// them: sizes count each blob once, last accessed/modified come from the blobs' atime/mtime.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hfcpp/hub/repo.h"

namespace hfcpp::hub {

struct CachedFile {
  std::string file_name;   // last path component
  std::string file_path;   // snapshots/<commit>/<path>
  std::string blob_path;   // the symlink's first hop, made absolute
  uint64_t size_on_disk = 0;
  double blob_last_accessed = 0, blob_last_modified = 0;
};

struct CachedRevision {
  std::string commit_hash;
  std::string snapshot_path;
  std::vector<std::string> refs;  // sorted
  std::vector<CachedFile> files;  // sorted by path
  uint64_t size_on_disk = 0;      // distinct blobs
  double last_modified = 0;
};

struct CachedRepo {
  std::string repo_id;
  RepoType repo_type = RepoType::Model;
  std::string repo_path;
  std::vector<CachedRevision> revisions;  // sorted by commit
  uint64_t size_on_disk = 0;
  size_t nb_files = 0;                    // distinct blobs
  double last_accessed = 0, last_modified = 0;
  // "model/org/name", the id `hf cache ls` shows.
  std::string cache_id() const { return std::string(repo_type_name(repo_type)) + "/" + repo_id; }
};

struct CacheInfo {
  std::string cache_dir;
  std::vector<CachedRepo> repos;      // sorted by (type, lower-case id)
  uint64_t size_on_disk = 0;          // all distinct blobs
  std::vector<std::string> warnings;  // corrupted repos, skipped as Python does
  std::vector<std::string> incomplete_files;
  uint64_t incomplete_size = 0;
};

// Throws NotFound if cache_dir does not exist (empty: the default cache).
CacheInfo scan_cache_dir(const std::string& cache_dir = "");

// What deleting revisions would remove (huggingface_hub's DeleteCacheStrategy).
struct DeletePlan {
  std::vector<std::string> repos, snapshots, refs, blobs;
  uint64_t expected_freed = 0;
};
DeletePlan plan_delete_revisions(const CacheInfo& info, const std::vector<std::string>& commit_hashes);
void execute_delete_plan(const DeletePlan& plan);

// "1.2M", "3.4G": huggingface_hub's _format_size.
std::string format_cache_size(uint64_t bytes);

}  // namespace hfcpp::hub
