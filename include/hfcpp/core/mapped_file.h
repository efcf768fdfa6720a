// Read-only memory mapping of a whole file (mmap PROT_READ, MAP_PRIVATE). Always held through
// std::shared_ptr<const MappedFile> so that tensors borrowing its bytes keep it alive.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace hfcpp::core {

class MappedFile {
 public:
  // Throws Error(NotFound) if the file is missing, Error(Io) if it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

  // Hints to the kernel (madvise); harmless if ignored.
  void advise_sequential() const;
  void advise_willneed(size_t offset, size_t length) const;
  // Drops the resident pages lying wholly inside [offset, offset + length) (MADV_DONTNEED), for
  // bytes already copied out (converted or dequantized weights): peak RSS then holds the copies,
  // not copies + file. The mapping is read-only, so a later read faults the bytes in again from
  // the file; the contents never change.
  void release_pages(size_t offset, size_t length) const;

 private:
  MappedFile() = default;
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole (small) file into a string; throws NotFound/Io with the path.
std::string read_file(const std::string& path);
// Writes via a temporary file in the same folder and rename(), so readers never see a
// partial file under the final name.
void write_file_atomic(const std::string& path, std::string_view contents);

}  // namespace hfcpp::core
