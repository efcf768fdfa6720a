// Tensor views share storage; copies do not. Borrowed storage keeps its mapping alive and is
// read-only.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "hfcpp/core/mapped_file.h"
#include "hfcpp/tensor/tensor.h"
#include "test_util.h"
#include "temp_path.h"

namespace hfcpp::testing {
namespace {

Tensor iota(const Shape& shape) {
  std::vector<float> v(static_cast<size_t>(tensor::shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::from_vector(v, shape);
}

TEST(TensorView, SliceSharesStorageAndComputesOffsets) {
  Tensor t = iota({4, 6});
  Tensor s = t.slice(1, 1, 5, 2);  // columns 1, 3
  EXPECT_EQ(s.shape(), (Shape{4, 2}));
  EXPECT_EQ(s.storage(), t.storage());
  EXPECT_EQ(s.item({2, 1}), 2 * 6 + 3);
  EXPECT_FALSE(s.is_contiguous());
  Tensor neg = t.slice(0, -2, 100);  // python-like clamping
  EXPECT_EQ(neg.shape(), (Shape{2, 6}));
  EXPECT_EQ(neg.item({0, 0}), 12);
  EXPECT_EQ(t.slice(0, 3, 1).numel(), 0);  // empty, not an error
  EXPECT_THROW(t.slice(0, 0, 2, 0), Error);
}

TEST(TensorView, NarrowSelectSqueezeUnsqueeze) {
  Tensor t = iota({2, 3, 4});
  Tensor n = t.narrow(2, 1, 2);
  EXPECT_EQ(n.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(n.item({1, 2, 1}), 12 + 8 + 2);
  EXPECT_THROW(t.narrow(2, 3, 2), Error);
  Tensor s = t.select(1, -1);
  EXPECT_EQ(s.shape(), (Shape{2, 4}));
  EXPECT_EQ(s.item({1, 3}), 12 + 8 + 3);
  EXPECT_THROW(t.select(0, 2), Error);
  Tensor u = t.unsqueeze(1);
  EXPECT_EQ(u.shape(), (Shape{2, 1, 3, 4}));
  EXPECT_TRUE(u.is_contiguous());
  EXPECT_EQ(u.unsqueeze(-1).shape(), (Shape{2, 1, 3, 4, 1}));
  EXPECT_EQ(u.squeeze(1).shape(), (Shape{2, 3, 4}));
  EXPECT_THROW(t.squeeze(0), Error);  // size 2
  EXPECT_THROW(t.size(3), Error);
}

TEST(TensorView, TransposePermuteAndContiguousCopy) {
  Tensor t = iota({2, 3, 4});
  Tensor tr = t.transpose(0, 2);
  EXPECT_EQ(tr.shape(), (Shape{4, 3, 2}));
  EXPECT_FALSE(tr.is_contiguous());
  EXPECT_EQ(tr.item({3, 1, 1}), 12 + 4 + 3);
  Tensor c = tr.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_NE(c.storage(), t.storage());
  const float* p = c.data<float>();
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 2; ++k) EXPECT_EQ(p[(i * 3 + j) * 2 + k], k * 12 + j * 4 + i);
  Tensor pm = t.permute({1, 2, 0});
  EXPECT_EQ(pm.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(pm.item({2, 1, 1}), 12 + 8 + 1);
  EXPECT_THROW(t.permute({0, 0, 1}), Error);
  EXPECT_THROW(t.permute({0, 1}), Error);
  // Contiguous copies of strided views in other dtypes (typed gather path).
  for (DType dt : {DType::F16, DType::BF16, DType::I64, DType::U8}) {
    Tensor td = t.to(dt).transpose(0, 1).contiguous();
    EXPECT_EQ(td.to_float_vector(), t.transpose(0, 1).contiguous().to_float_vector()) << tensor::dtype_name(dt);
  }
}

TEST(TensorView, ReshapeViewAndExpand) {
  Tensor t = iota({2, 6});
  Tensor r = t.reshape({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  EXPECT_EQ(r.storage(), t.storage());  // a view
  EXPECT_THROW(t.reshape({5, -1}), Error);
  EXPECT_THROW(t.reshape({-1, -1}), Error);
  Tensor tr = t.transpose(0, 1);
  EXPECT_THROW(tr.view({12}), Error);
  Tensor flat = tr.reshape({12});  // a copy
  EXPECT_NE(flat.storage(), t.storage());
  EXPECT_EQ(flat.item({1}), 6);
  Tensor col = iota({3, 1});
  Tensor e = col.expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides()[0], 0);
  EXPECT_EQ(e.strides()[2], 0);
  EXPECT_EQ(e.item({1, 2, 3}), 2);
  EXPECT_EQ(col.expand({-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_THROW(col.expand({4, 4}), Error);
  EXPECT_EQ(e.contiguous().to_float_vector()[23], 2);
  EXPECT_EQ(iota({2, 3, 4}).flatten(1).shape(), (Shape{2, 12}));
}

TEST(TensorView, ZeroDimTensors) {
  Tensor s = Tensor::full({}, 2.5, DType::F32);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 2.5);
  EXPECT_THROW(s.size(0), Error);
  EXPECT_EQ(s.unsqueeze(0).shape(), (Shape{1}));
}

TEST(TensorView, ViewsRejectOutOfBoundsStorage) {
  auto storage = tensor::Storage::allocate(16);
  EXPECT_THROW(Tensor(storage, {5}, {1}, 0, DType::F32), Error);
  EXPECT_THROW(Tensor(storage, {2}, {1}, 3, DType::F32), Error);
  EXPECT_NO_THROW(Tensor(storage, {2, 2}, {2, 1}, 0, DType::F32));
}

class BorrowedStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = unique_temp_path("borrow.bin");
    std::ofstream f(path_, std::ios::binary);
    std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8};
    f.write(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(BorrowedStorage, KeepsTheMappingAliveAfterTheFileHandleIsDropped) {
  Tensor t;
  std::weak_ptr<const core::MappedFile> weak;
  {
    auto file = core::MappedFile::open(path_);
    weak = file;
    t = Tensor::borrow(file, 4 * sizeof(float), {2, 2}, DType::F32);
  }
  ASSERT_FALSE(weak.expired());  // the tensor's storage holds the mapping
  EXPECT_TRUE(t.is_borrowed());
  EXPECT_EQ(t.to_float_vector(), (std::vector<float>{5, 6, 7, 8}));
  Tensor view = t.transpose(0, 1);
  t = Tensor();
  EXPECT_FALSE(weak.expired());  // a view keeps it alive too
  EXPECT_EQ(view.item({0, 1}), 7);
  view = Tensor();
  EXPECT_TRUE(weak.expired());   // the last tensor unmaps it
}

TEST_F(BorrowedStorage, WritesThrowAndMakeOwnedCopies) {
  auto file = core::MappedFile::open(path_);
  Tensor t = Tensor::borrow(file, 0, {8}, DType::F32);
  try {
    t.mutable_data<float>();
    FAIL() << "writing to borrowed storage must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("make_owned"), std::string::npos) << e.what();
  }
  Tensor dst = Tensor::borrow(file, 0, {8}, DType::F32);
  EXPECT_THROW(dst.copy_from(Tensor::zeros({8}, DType::F32)), Error);
  Tensor owned = t.make_owned();
  EXPECT_FALSE(owned.is_borrowed());
  owned.mutable_data<float>()[0] = 42;
  EXPECT_EQ(t.item({0}), 1);  // the mapping is untouched
  EXPECT_THROW(Tensor::borrow(file, 16, {8}, DType::F32), Error);  // past the end
}

TEST(TensorView, DataAccessChecksDtype) {
  Tensor t = Tensor::zeros({2}, DType::F16);
  EXPECT_THROW(t.data<float>(), Error);
  EXPECT_NO_THROW(t.data<tensor::f16_t>());
}

}  // namespace
}  // namespace hfcpp::testing
