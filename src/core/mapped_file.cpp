#include "hfcpp/core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hfcpp/core/error.h"

namespace hfcpp::core {

namespace {
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    HFCPP_CHECK(err != ENOENT, ErrorCode::NotFound, "[mmap] file not found: '{}'", path);
    HFCPP_THROW(ErrorCode::Io, "[mmap] cannot open '{}': {}", path, std::strerror(err));
  }
  FdCloser closer{fd};
  struct stat st {};
  HFCPP_CHECK(::fstat(fd, &st) == 0, ErrorCode::Io, "[mmap] cannot stat '{}': {}", path,
              std::strerror(errno));
  HFCPP_CHECK(!S_ISDIR(st.st_mode), ErrorCode::InvalidArgument,
              "[mmap] '{}' is a directory, expected a file", path);
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    HFCPP_CHECK(p != MAP_FAILED, ErrorCode::Io, "[mmap] cannot map '{}' ({} bytes): {}", path,
                file->size_, std::strerror(errno));
    file->data_ = static_cast<const std::byte*>(p);
  }
  return file;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::advise_sequential() const {
  if (data_) ::madvise(const_cast<std::byte*>(data_), size_, MADV_SEQUENTIAL);
}

void MappedFile::advise_willneed(size_t offset, size_t length) const {
  if (!data_ || offset >= size_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t start = offset / page * page;
  length = std::min(length + (offset - start), size_ - start);
  ::madvise(const_cast<std::byte*>(data_) + start, length, MADV_WILLNEED);
}

void MappedFile::release_pages(size_t offset, size_t length) const {
  if (!data_ || offset >= size_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t end = std::min(size_, offset + std::min(length, size_ - offset));
  // Whole pages only: the partial pages at either end may hold bytes of a neighbouring tensor.
  // (Releasing them would be harmless too, but would make that tensor fault them in again.)
  const size_t first = (offset + page - 1) / page * page, last = end / page * page;
  if (last > first) ::madvise(const_cast<std::byte*>(data_) + first, last - first, MADV_DONTNEED);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    struct stat st {};
    HFCPP_CHECK(::stat(path.c_str(), &st) == 0, ErrorCode::NotFound, "[io] file not found: '{}'",
                path);
    HFCPP_THROW(ErrorCode::Io, "[io] cannot read '{}'", path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    HFCPP_CHECK(out.good(), ErrorCode::Io, "[io] cannot create '{}': {}", tmp, std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out.good()) {
      ::unlink(tmp.c_str());
      HFCPP_THROW(ErrorCode::Io, "[io] cannot write '{}' ({} bytes)", tmp, contents.size());
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    HFCPP_THROW(ErrorCode::Io, "[io] cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err));
  }
}

}  // namespace hfcpp::core
