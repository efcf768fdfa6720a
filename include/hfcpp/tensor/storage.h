// The bytes behind tensors: either owned (64-byte aligned heap buffer) or borrowed from a
// memory-mapped file, in which case the Storage holds a shared_ptr to the mapping so it outlives
// every tensor that views it. Borrowed storage is read-only.
#pragma once

#include <cstddef>
#include <memory>

#include "hfcpp/core/mapped_file.h"

namespace hfcpp::tensor {

class Storage {
 public:
  // Zero-initialised, 64-byte aligned. Throws OutOfMemory on failure or absurd sizes.
  static std::shared_ptr<Storage> allocate(size_t nbytes, bool zero = true);
  // Views [offset, offset + nbytes) of the mapping; throws InvalidArgument if out of bounds.
  static std::shared_ptr<Storage> borrow(std::shared_ptr<const core::MappedFile> file,
                                         size_t offset, size_t nbytes);
  // Wraps caller memory that outlives the storage (tests, interop). Read-write.
  static std::shared_ptr<Storage> wrap_external(void* data, size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  const std::byte* data() const { return data_; }
  // Throws InvalidArgument for borrowed (read-only) storage.
  std::byte* mutable_data();
  size_t nbytes() const { return nbytes_; }
  bool is_borrowed() const { return file_ != nullptr; }
  const std::shared_ptr<const core::MappedFile>& mapped_file() const { return file_; }

 private:
  Storage() = default;
  std::byte* data_ = nullptr;
  size_t nbytes_ = 0;
  bool owns_ = false;
  std::shared_ptr<const core::MappedFile> file_;
};

}  // namespace hfcpp::tensor
