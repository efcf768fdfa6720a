// hf_hub_download and snapshot_download in C++: the same HTTP contract and the same cache layout
// as huggingface_hub, so either side reuses what the other fetched.
//
//   <cache>/models--org--name/blobs/<etag>                 the bytes (etag = sha256 for LFS files)
//   <cache>/models--org--name/snapshots/<commit>/<path>    -> ../../blobs/<etag> (relative symlink)
//   <cache>/models--org--name/refs/<branch-or-tag>         the commit it pointed to
//   <cache>/models--org--name/.no_exist/<commit>/<path>    empty marker: the file is absent there
//   <cache>/models--org--name/trees/<commit>.json          the repo's file listing at that commit
//   <cache>/.locks/models--org--name/<etag>.lock           flock(2) lock, shared with Python
//
// A blob is written to <etag>.incomplete under the lock (resumed with Range after an interruption,
// also from Python's <etag>.<id>.incomplete leftovers), checked (size; sha256 for LFS) and renamed
// into place, so a partial blob is never visible under its final name.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/hub/repo.h"

namespace hfcpp::hub {

struct DownloadOptions {
  RepoType repo_type = RepoType::Model;
  std::string revision = "main";
  std::string endpoint;   // empty: HF_ENDPOINT or https://huggingface.co
  std::string cache_dir;  // empty: HF_HUB_CACHE / HF_HOME/hub
  std::string local_dir;  // non-empty: files go there (huggingface_hub's local_dir mode)
  std::optional<std::string> token;  // nullopt: HF_TOKEN / HUGGING_FACE_HUB_TOKEN / token file
  bool offline = false;              // also true when HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE is set
  bool force_download = false;
  int max_workers = 8;               // parallel file downloads in snapshot_download
  std::vector<std::string> allow_patterns;   // fnmatch, as huggingface_hub (a trailing "/" means "/*")
  std::vector<std::string> ignore_patterns;
  int max_retries = 5;               // on 408/429/5xx and connection errors, with backoff
  double retry_base_wait_s = 1.0;    // 1, 2, 4, 8, 8 s (env HFCPP_HUB_RETRY_WAIT overrides)
  bool progress = true;              // bars on stderr when it is a terminal
};

// Metadata from HEAD {endpoint}/{prefix}{repo}/resolve/{rev}/{path}.
struct FileMetadata {
  std::string commit_hash;          // X-Repo-Commit
  std::string etag;                 // X-Linked-Etag else ETag, quotes and W/ stripped
  std::string location;             // where to GET (after same-host redirects; a CDN URL otherwise)
  std::optional<uint64_t> size;     // X-Linked-Size, else Content-Length when not redirected
};

// Fills endpoint/cache_dir/token/offline from the environment where the caller left them unset.
DownloadOptions resolve_options(DownloadOptions options);

// The URL of a file: {endpoint}/{prefix}{repo_id}/resolve/{quote(rev)}/{quote(path)}.
std::string hub_file_url(const std::string& endpoint, const std::string& repo_id, RepoType type,
                         const std::string& revision, const std::string& filename);

// HEAD request; throws NotFound (repo, revision or entry), Network (connection, 5xx after
// retries, 401/403 with the server's message) or Format (no X-Repo-Commit / ETag).
FileMetadata get_file_metadata(const std::string& repo_id, const std::string& filename,
                               const DownloadOptions& options);

// Downloads one file (or finds it in the cache) and returns its path: the snapshot symlink
// in the cache, or local_dir/<filename>. Offline: resolved from the cache alone.
std::string hub_download(const std::string& repo_id, const std::string& filename,
                         const DownloadOptions& options);

// Downloads the files of a revision that pass the patterns, max_workers at a time, and returns
// the snapshot folder (or local_dir). Offline: the cached snapshot for that revision.
std::string snapshot_download(const std::string& repo_id, const DownloadOptions& options);

// One file of a repo listing (/api/{type}s/{id}/tree/{rev}?recursive=true, every page).
struct RepoFileInfo {
  std::string path;
  uint64_t size = 0;
  std::string blob_id;                   // git oid
  std::optional<std::string> lfs_sha256;
  std::optional<uint64_t> lfs_size;
  std::optional<std::string> xet_hash;
};
// The commit a revision points to (/api/{type}s/{id}/revision/{rev}, field "sha").
std::string resolve_revision(const std::string& repo_id, const DownloadOptions& options);
std::vector<RepoFileInfo> list_repo_files(const std::string& repo_id, const std::string& commit,
                                          const DownloadOptions& options);

// fnmatch.fnmatchcase as huggingface_hub's filter_repo_objects uses it ('*' also crosses '/').
bool fnmatch_case(std::string_view name, std::string_view pattern);
bool passes_patterns(std::string_view path, const std::vector<std::string>& allow_patterns,
                     const std::vector<std::string>& ignore_patterns);

}  // namespace hfcpp::hub
