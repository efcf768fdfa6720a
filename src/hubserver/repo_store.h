// The self-hosted hub's storage under --root DIR:
//
//   DIR/blobs/<aa>/<sha256>                          file bytes, content-addressed, shared by all repos
//   DIR/repos/<models|datasets|spaces>/<ns|->/<name>/meta.json      private flag, created time
//   DIR/repos/.../refs.json                          {"branches": {name: commit}, "tags": {...}}
//   DIR/repos/.../commits/<commit>.json              parent, message, author, date, files
//   DIR/repos/.../stats.json                         download count (best effort, not fsynced)
//   DIR/tmp/                                         uploads in progress (cleared at start)
//
// Every durable write is temp file + fsync + rename + fsync of the folder. A commit writes its
// blobs and commit file first and flips refs.json last, so a crash at any point leaves the previous
// revision intact (at worst an unreferenced blob or commit file remains).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/hub/repo.h"

namespace hfcpp::hubserver {

using hub::RepoType;

struct StoredFile {
  uint64_t size = 0;
  std::string sha256;   // blob name
  std::string git_oid;  // git blob sha1 of the bytes (regular) or of the LFS pointer (lfs)
  bool lfs = false;
};

struct Commit {
  std::string id;  // sha1 of the commit record, 40 hex
  std::string parent;
  std::string title, message, author;
  int64_t date_ms = 0;
  std::map<std::string, StoredFile> files;  // sorted by path
};

struct RepoKey {
  RepoType type = RepoType::Model;
  std::string id;
  bool operator<(const RepoKey& o) const { return std::tie(type, id) < std::tie(o.type, o.id); }
};

struct RepoState {
  RepoKey key;
  bool is_private = false;
  int64_t created_ms = 0;
  int64_t last_modified_ms = 0;
  uint64_t downloads = 0;
  uint64_t likes = 0;
  std::map<std::string, std::string> branches, tags;  // name -> commit
  core::Json card;                                    // README.md front matter of main (object or null)
};

// One file to add in a commit: the bytes are already stored as blob `sha256`.
struct FileChange {
  std::string path;
  std::optional<StoredFile> file;  // nullopt: delete `path` (or the folder `path/` when folder)
  bool folder = false;
};

class RepoStore {
 public:
  explicit RepoStore(std::string root);

  const std::string& root() const { return root_; }

  // Throws InvalidArgument (bad id) or a conflict (exists) as ErrorCode::InvalidArgument with
  // "already exists" in the message.
  RepoState create_repo(const RepoKey& key, bool is_private);
  void delete_repo(const RepoKey& key);
  void set_private(const RepoKey& key, bool is_private);
  std::optional<RepoState> repo(const RepoKey& key) const;
  std::vector<RepoState> list(RepoType type) const;

  // A branch, tag or full commit id to a commit id (nullopt: unknown).
  std::optional<std::string> resolve(const RepoKey& key, const std::string& revision) const;
  std::shared_ptr<const Commit> commit(const RepoKey& key, const std::string& commit_id) const;
  // Commits from `commit_id` back to the first.
  std::vector<std::shared_ptr<const Commit>> history(const RepoKey& key, const std::string& commit_id) const;

  // Applies changes on top of branch (created from its parent's head when missing) and returns
  // the new commit. parent_commit, when set, must be the branch head.
  std::shared_ptr<const Commit> commit_changes(const RepoKey& key, const std::string& branch,
                                               const std::vector<FileChange>& changes, const std::string& title,
                                               const std::string& message, const std::string& author,
                                               const std::string& parent_commit);
  void create_ref(const RepoKey& key, const std::string& name, const std::string& commit_id, bool tag);
  void delete_ref(const RepoKey& key, const std::string& name, bool tag);

  // Blobs: a path where a new blob is written, then adopted into blobs/ by its sha256.
  std::string new_temp_path();
  std::string blob_path(const std::string& sha256) const;
  bool has_blob(const std::string& sha256) const;
  // fsyncs `temp_path` and renames it to blobs/<sha256>; removes it if the blob already exists.
  void adopt_blob(const std::string& temp_path, const std::string& sha256);
  // Stores bytes as a blob and returns its description (lfs decides the git oid form).
  StoredFile put_bytes(const std::string& bytes, bool lfs);

  void count_download(const RepoKey& key);

 private:
  std::string repo_dir(const RepoKey& key) const;
  void load_all();
  void save_refs(const RepoState& state) const;
  void save_meta(const RepoState& state) const;
  void refresh_card(RepoState& state) const;

  std::string root_;
  mutable std::shared_mutex mutex_;
  std::map<RepoKey, RepoState> repos_;
  mutable std::mutex commit_cache_mutex_;
  mutable std::map<std::string, std::shared_ptr<const Commit>> commit_cache_;  // "<dir>@<id>"
};

// Durable write: temp + fsync + rename + fsync(dir).
void write_file_durable(const std::string& path, const std::string& contents);
// git's blob id: sha1("blob <size>\0" + bytes), and the LFS pointer text for a sha256/size.
std::string git_blob_oid(const std::string& bytes);
std::string lfs_pointer(const std::string& sha256, uint64_t size);
std::string sha1_hex(const std::string& bytes);
// "2024-05-01T12:00:00.000Z".
std::string iso_time(int64_t ms);
int64_t now_ms();

}  // namespace hfcpp::hubserver
