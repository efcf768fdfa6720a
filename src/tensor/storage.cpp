#include "hfcpp/tensor/storage.h"

#include <cstdlib>
#include <cstring>

#include "hfcpp/core/error.h"

namespace hfcpp::tensor {

namespace {
constexpr size_t kAlign = 64;
// Refuse single allocations over 1 TiB outright: they come from corrupt sizes, not real models.
constexpr size_t kMaxAlloc = size_t{1} << 40;
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, bool zero) {
  HFCPP_CHECK(nbytes <= kMaxAlloc, ErrorCode::OutOfMemory,
              "[storage] refusing to allocate {} bytes: more than the 1 TiB limit", nbytes);
  std::shared_ptr<Storage> s(new Storage());
  size_t rounded = (nbytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) rounded = kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  HFCPP_CHECK(p != nullptr, ErrorCode::OutOfMemory, "[storage] cannot allocate {} bytes", nbytes);
  if (zero) std::memset(p, 0, rounded);
  s->data_ = static_cast<std::byte*>(p);
  s->nbytes_ = nbytes;
  s->owns_ = true;
  return s;
}

std::shared_ptr<Storage> Storage::borrow(std::shared_ptr<const core::MappedFile> file,
                                         size_t offset, size_t nbytes) {
  HFCPP_CHECK(file != nullptr, ErrorCode::InvalidArgument, "[storage] borrow from a null mapping");
  HFCPP_CHECK(offset <= file->size() && nbytes <= file->size() - offset, ErrorCode::InvalidArgument,
              "[storage] region [{}, {}) exceeds the {}-byte file '{}'", offset, offset + nbytes,
              file->size(), file->path());
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = const_cast<std::byte*>(file->data()) + offset;
  s->nbytes_ = nbytes;
  s->file_ = std::move(file);
  return s;
}

std::shared_ptr<Storage> Storage::wrap_external(void* data, size_t nbytes) {
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = static_cast<std::byte*>(data);
  s->nbytes_ = nbytes;
  return s;
}

Storage::~Storage() {
  if (owns_) std::free(data_);
}

std::byte* Storage::mutable_data() {
  HFCPP_CHECK(!is_borrowed(), ErrorCode::InvalidArgument,
              "[storage] cannot write to a tensor borrowed from the mapped file '{}': call "
              "make_owned() first",
              file_->path());
  return data_;
}

}  // namespace hfcpp::tensor
