// huggingface_hub's local_dir mode: files at local_dir/<path>, and per-file metadata
// (commit, etag, timestamp) in local_dir/.cache/huggingface/download/<path>.metadata.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"

namespace hfcpp::hub::detail {
namespace {

struct LocalPaths {
  std::string file, metadata, lock;
  std::string incomplete(const std::string& etag) const {
    std::string name = metadata.substr(metadata.rfind('/') + 1);
    return parent_path(metadata) + "/" + sha1_urlsafe_b64(name) + "." + etag + ".incomplete";
  }
};

LocalPaths local_paths(const std::string& local_dir, const std::string& filename) {
  LocalPaths p;
  p.file = local_dir + "/" + filename;
  std::string hf_dir = local_dir + "/.cache/huggingface";
  make_dirs(hf_dir);
  if (!path_exists(hf_dir + "/.gitignore")) {
    try {
      write_file_replace(hf_dir + "/.gitignore", "*");
    } catch (const Error&) {
    }
  }
  create_cachedir_tag(hf_dir);
  p.metadata = hf_dir + "/download/" + filename + ".metadata";
  p.lock = hf_dir + "/download/" + filename + ".lock";
  make_dirs(parent_path(p.file));
  make_dirs(parent_path(p.metadata));
  return p;
}

struct LocalMetadata {
  std::string commit, etag;
  double timestamp = 0;
};

std::optional<LocalMetadata> read_metadata(const LocalPaths& p) {
  if (!is_regular_file(p.metadata)) return std::nullopt;
  std::istringstream in(read_small_file(p.metadata));
  LocalMetadata m;
  std::string ts;
  if (!std::getline(in, m.commit) || !std::getline(in, m.etag) || !std::getline(in, ts)) return std::nullopt;
  try {
    m.timestamp = std::stod(ts);
  } catch (...) {
    return std::nullopt;
  }
  struct stat st;
  if (::stat(p.file.c_str(), &st) != 0) return std::nullopt;
  double mtime = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec * 1e-9;
  if (mtime - 1 > m.timestamp) return std::nullopt;  // the file changed after the metadata
  return m;
}

void write_metadata(const LocalPaths& p, const std::string& commit, const std::string& etag) {
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  write_file_replace(p.metadata, fmt::format("{}\n{}\n{:.6f}\n", commit, etag, now));
}

}  // namespace

std::string local_dir_download(const std::string& repo_id, const std::string& filename, const DownloadOptions& opt,
                               TransferProgress& progress) {
  LocalPaths paths = local_paths(opt.local_dir, filename);
  auto meta_local = read_metadata(paths);
  if (is_commit_hash(opt.revision) && is_regular_file(paths.file) && meta_local && meta_local->commit == opt.revision &&
      !opt.force_download) {
    progress.file_skipped();
    return paths.file;
  }
  if (opt.offline) {
    HFCPP_CHECK(is_regular_file(paths.file), ErrorCode::NotFound,
                "[hub] offline mode (HF_HUB_OFFLINE): {} is not in {}", filename, opt.local_dir);
    return paths.file;
  }
  FileMetadata meta;
  try {
    meta = get_file_metadata(repo_id, filename, opt);
  } catch (Error& e) {
    if (e.code() == ErrorCode::Network && is_regular_file(paths.file) && !opt.force_download) {
      HFCPP_LOG_WARN("[hub] {}; using the existing {}", e.what(), paths.file);
      return paths.file;
    }
    throw;
  }
  HFCPP_CHECK(meta.etag.find('/') == std::string::npos && meta.etag != ".." && !meta.etag.empty(), ErrorCode::Format,
              "[hub] unusable ETag '{}' for {}", meta.etag, filename);
  if (!opt.force_download && is_regular_file(paths.file)) {
    if (meta_local && meta_local->etag == meta.etag) {
      write_metadata(paths, meta.commit_hash, meta.etag);
      progress.file_skipped();
      return paths.file;
    }
    if (!meta_local && is_sha256_hex(meta.etag) && sha256_file(paths.file) == meta.etag) {
      write_metadata(paths, meta.commit_hash, meta.etag);
      progress.file_skipped();
      return paths.file;
    }
  }
  // Already in the cache at that commit: copy it instead of downloading.
  if (!opt.force_download) {
    std::string cached = snapshot_file_path(opt.cache_dir + "/" + repo_folder_name(repo_id, opt.repo_type),
                                            meta.commit_hash, filename);
    if (is_regular_file(cached)) {
      FileLock lock(paths.lock);
      std::error_code ec;
      std::filesystem::copy_file(cached, paths.file, std::filesystem::copy_options::overwrite_existing, ec);
      HFCPP_CHECK(!ec, ErrorCode::Io, "[hub] cannot copy '{}' to '{}': {}", cached, paths.file, ec.message());
      write_metadata(paths, meta.commit_hash, meta.etag);
      progress.file_skipped();
      return paths.file;
    }
  }
  const std::string head_url = hub_file_url(opt.endpoint, repo_id, opt.repo_type, opt.revision, filename);
  {
    FileLock lock(paths.lock);
    ::unlink(paths.file.c_str());
    HeaderList headers = auth_headers(opt);
    if (meta.location != head_url && !same_or_hub_host(head_url, meta.location, opt.endpoint)) headers.clear();
    download_to_file(meta.location, headers, meta.size, meta.etag, paths.incomplete(meta.etag), paths.file, filename,
                     opt, progress);
  }
  write_metadata(paths, meta.commit_hash, meta.etag);
  return paths.file;
}

}  // namespace hfcpp::hub::detail
