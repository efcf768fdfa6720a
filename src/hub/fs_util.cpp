#include "hub/fs_util.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"

namespace hfcpp::hub::detail {
namespace fs = std::filesystem;

FileLock::FileLock(const std::string& path) {
  make_dirs(parent_path(path));
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  HFCPP_CHECK(fd_ >= 0, ErrorCode::Io, "[hub] cannot open lock file '{}': {}", path, std::strerror(errno));
  auto start = std::chrono::steady_clock::now();
  auto last_log = start;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd_);
      HFCPP_THROW(ErrorCode::Io, "[hub] cannot lock '{}': {}", path, std::strerror(err));
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_log > std::chrono::seconds(10)) {
      HFCPP_LOG_INFO("[hub] still waiting for lock {} ({:.0f} s)", path,
                     std::chrono::duration<double>(now - start).count());
      last_log = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  HFCPP_CHECK(!ec || is_directory(path), ErrorCode::Io, "[hub] cannot create folder '{}': {}", path, ec.message());
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool is_regular_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<uint64_t> file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

std::string parent_path(const std::string& path) { return fs::path(path).parent_path().string(); }

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return fs::absolute(path).lexically_normal().string();
  std::string out = canonical.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HFCPP_CHECK(in.good(), ErrorCode::Io, "[hub] cannot read '{}': {}", path, std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file_replace(const std::string& path, const std::string& contents) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp = fmt::format("{}.{:x}{:x}.tmp", path, static_cast<unsigned>(::getpid()), counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    HFCPP_CHECK(out.good(), ErrorCode::Io, "[hub] cannot create '{}': {}", tmp, std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out.good()) {
      ::unlink(tmp.c_str());
      HFCPP_THROW(ErrorCode::Io, "[hub] cannot write '{}'", tmp);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    HFCPP_THROW(ErrorCode::Io, "[hub] cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err));
  }
}

void make_symlink(const std::string& target, const std::string& link) {
  ::unlink(link.c_str());
  if (::symlink(target.c_str(), link.c_str()) != 0) {
    int err = errno;
    // Another process created the same link between unlink and symlink: fine if it matches.
    char buf[4096];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf));
    if (err == EEXIST && n > 0 && std::string(buf, static_cast<size_t>(n)) == target) return;
    HFCPP_THROW(ErrorCode::Io, "[hub] cannot create symlink '{}' -> '{}': {}", link, target, std::strerror(err));
  }
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  HFCPP_CHECK(!ec, ErrorCode::Io, "[hub] cannot delete '{}': {}", path, ec.message());
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::reset() { EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr); }
void Sha256::update(const void* data, size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}
std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  reset();
  return hex_lower(md, len);
}

std::string hex_lower(const unsigned char* data, size_t size) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

std::string sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  HFCPP_CHECK(fd >= 0, ErrorCode::Io, "[hub] cannot open '{}': {}", path, std::strerror(errno));
  Sha256 h;
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      HFCPP_THROW(ErrorCode::Io, "[hub] cannot read '{}': {}", path, std::strerror(err));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return h.hex_digest();
}

std::string sha1_urlsafe_b64(const std::string& text) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  unsigned char out[64] = {0};
  int n = EVP_EncodeBlock(out, md, SHA_DIGEST_LENGTH);
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

void create_cachedir_tag(const std::string& cache_dir) {
  std::string tag = cache_dir + "/CACHEDIR.TAG";
  if (path_exists(tag)) return;
  try {
    write_file_replace(tag,
                       "Signature: 8a477f597d28d172789f06886806bc55\n"
                       "# This file is a cache directory tag created by huggingface_hub.\n"
                       "# For information about cache directory tags, see:\n"
                       "#\thttps://bford.info/cachedir/\n");
  } catch (const Error&) {
  }
}

}  // namespace hfcpp::hub::detail
