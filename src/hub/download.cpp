// hf_hub_download: one file into the cache (blobs + snapshot symlink + ref) or into a local dir.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/download.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"

namespace hfcpp::hub {
namespace detail {
namespace {

// Header values become folder and file names: they must be one plain path component.
void check_safe_component(const std::string& value, std::string_view header, const std::string& url) {
  bool ok = !value.empty() && value.size() <= 255 && value != "." && value != "..";
  for (char c : value)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) ok = false;
  HFCPP_CHECK(ok, ErrorCode::Format, "[hub] the server sent an unusable {} header '{}' for {}", header,
              value.substr(0, 80), url);
}

std::string relative_blob_target(const std::string& filename, const std::string& etag) {
  std::string up = "../../";
  for (char c : filename)
    if (c == '/') up += "../";
  return up + "blobs/" + etag;
}

void write_no_exist_marker(const std::string& storage, const std::string& commit, const std::string& filename) {
  try {
    std::string marker = storage + "/.no_exist/" + commit + "/" + filename;
    if (path_exists(marker)) return;
    make_dirs(parent_path(marker));
    write_file_replace(marker, "");
  } catch (const Error& e) {
    HFCPP_LOG_WARN("[hub] could not record that {} is absent: {}", filename, e.what());
  }
}

}  // namespace

std::string snapshot_file_path(const std::string& storage, const std::string& commit, const std::string& filename) {
  return storage + "/snapshots/" + commit + "/" + filename;
}

std::optional<std::string> cached_commit_for(const std::string& storage, const std::string& revision) {
  if (is_commit_hash(revision)) return revision;
  std::string ref = storage + "/refs/" + revision;
  if (!is_regular_file(ref)) return std::nullopt;
  std::string commit = read_small_file(ref);
  if (commit.empty()) return std::nullopt;
  return commit;
}

void write_ref(const std::string& storage, const std::string& revision, const std::string& commit) {
  if (revision == commit) return;
  std::string ref = storage + "/refs/" + revision;
  if (is_regular_file(ref) && read_small_file(ref) == commit) return;
  make_dirs(parent_path(ref));
  write_file_replace(ref, commit);  // no newline, as huggingface_hub writes it
}

std::string hub_download_with_progress(const std::string& repo_id, const std::string& filename,
                                       const DownloadOptions& opt, TransferProgress& progress) {
  validate_repo_id(repo_id);
  validate_repo_filename(filename);
  validate_revision(opt.revision);
  if (!opt.local_dir.empty()) return local_dir_download(repo_id, filename, opt, progress);

  const std::string storage = opt.cache_dir + "/" + repo_folder_name(repo_id, opt.repo_type);
  if (is_commit_hash(opt.revision) && !opt.force_download) {
    std::string pointer = snapshot_file_path(storage, opt.revision, filename);
    if (path_exists(pointer)) {
      progress.file_skipped();
      return pointer;
    }
  }
  auto from_cache = [&]() -> std::optional<std::string> {
    auto commit = cached_commit_for(storage, opt.revision);
    if (!commit) return std::nullopt;
    std::string pointer = snapshot_file_path(storage, *commit, filename);
    if (path_exists(pointer)) return pointer;
    return std::nullopt;
  };
  if (opt.offline) {
    if (auto cached = from_cache()) return *cached;
    HFCPP_THROW(ErrorCode::NotFound,
                "[hub] offline mode (HF_HUB_OFFLINE): {} of {} '{}' at revision '{}' is not in the cache {}",
                filename, repo_type_name(opt.repo_type), repo_id, opt.revision, opt.cache_dir);
  }

  FileMetadata meta;
  std::string missing_at_commit;
  try {
    meta = fetch_file_metadata(repo_id, filename, opt, &missing_at_commit);
  } catch (Error& e) {
    // Cache the absence, as huggingface_hub does, when the server names the commit.
    if (!missing_at_commit.empty() && is_commit_hash(missing_at_commit)) {
      write_no_exist_marker(storage, missing_at_commit, filename);
      try {
        write_ref(storage, opt.revision, missing_at_commit);
      } catch (const Error&) {
      }
      throw;
    }
    // Unreachable Hub or server error: fall back to what the cache holds, as Python does.
    if (e.code() == ErrorCode::Network && !opt.force_download) {
      if (auto cached = from_cache()) {
        HFCPP_LOG_WARN("[hub] {}; using the cached {}", e.what(), *cached);
        return *cached;
      }
    }
    throw;
  }
  const std::string head_url = hub_file_url(opt.endpoint, repo_id, opt.repo_type, opt.revision, filename);
  check_safe_component(meta.commit_hash, "X-Repo-Commit", head_url);
  check_safe_component(meta.etag, "ETag", head_url);

  const std::string blob = storage + "/blobs/" + meta.etag;
  const std::string pointer = snapshot_file_path(storage, meta.commit_hash, filename);
  if (!opt.force_download && path_exists(pointer)) {
    try {
      write_ref(storage, opt.revision, meta.commit_hash);
    } catch (const Error&) {
    }
    progress.file_skipped();
    return pointer;
  }
  make_dirs(parent_path(blob));
  make_dirs(parent_path(pointer));
  // No CACHEDIR.TAG at the cache root: huggingface_hub < 1.0 (still pinned by transformers) reports
  // it as a corrupted repo in scan_cache_dir.
  write_ref(storage, opt.revision, meta.commit_hash);

  FileLock lock(opt.cache_dir + "/.locks/" + repo_folder_name(repo_id, opt.repo_type) + "/" + meta.etag + ".lock");
  if (opt.force_download || !path_exists(blob)) {
    HeaderList headers = auth_headers(opt);
    // The HEAD already resolved the redirect: a CDN URL gets no Authorization.
    if (meta.location != head_url && !same_or_hub_host(head_url, meta.location, opt.endpoint)) headers.clear();
    download_to_file(meta.location, headers, meta.size, meta.etag, blob + ".incomplete", blob, filename, opt,
                     progress);
  } else {
    progress.file_skipped();
  }
  if (!path_exists(pointer) || opt.force_download) make_symlink(relative_blob_target(filename, meta.etag), pointer);
  return pointer;
}

}  // namespace detail

std::string hub_download(const std::string& repo_id, const std::string& filename, const DownloadOptions& options) {
  DownloadOptions opt = resolve_options(options);
  detail::TransferProgress progress("Downloading", opt.progress);
  return detail::hub_download_with_progress(repo_id, filename, opt, progress);
}

}  // namespace hfcpp::hub
