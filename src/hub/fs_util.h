// File-system helpers for the Hub cache: flock(2) locks compatible with Python's filelock,
// unique-temp-then-rename writes, relative symlinks and streaming sha256.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace hfcpp::hub::detail {

// Exclusive flock on `path` (created 0664, never deleted, as filelock.FileLock does), held
// for the object's lifetime. Blocks, logging every 10 s while another process holds it.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

void make_dirs(const std::string& path);
bool path_exists(const std::string& path);       // follows symlinks
bool is_regular_file(const std::string& path);   // follows symlinks
bool is_directory(const std::string& path);
std::optional<uint64_t> file_size(const std::string& path);
std::string parent_path(const std::string& path);
// realpath() of an existing folder, else the path made absolute lexically.
std::string absolute_path(const std::string& path);
std::string read_small_file(const std::string& path);
// Writes `<path>.<unique>.tmp` then renames it over `path` (readers never see a partial file).
void write_file_replace(const std::string& path, const std::string& contents);
// Replaces `link` by a symlink to `target` given relative to the link's folder.
void make_symlink(const std::string& target, const std::string& link);
void remove_tree(const std::string& path);

// Lower-case hex of raw bytes (digests, random ids).
std::string hex_lower(const unsigned char* data, size_t size);

// Streaming sha256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  // Hex digest; the object is reset afterwards.
  std::string hex_digest();
  void reset();

 private:
  void* ctx_;
};
std::string sha256_file(const std::string& path);
// base64.urlsafe_b64encode(sha1(text)).
std::string sha1_urlsafe_b64(const std::string& text);

// Writes the CACHEDIR.TAG huggingface_hub puts at the cache root (best effort).
void create_cachedir_tag(const std::string& cache_dir);

}  // namespace hfcpp::hub::detail
