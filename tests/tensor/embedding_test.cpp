// embedding gather, concat and stack.
#include <gtest/gtest.h>

#include "hfcpp/tensor/ops/concat.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

TEST(Embedding, GathersRowsForEveryTableAndIdDtype) {
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    const Tensor table = random_tensor({10, 33}, dt, 51);
    for (DType id_dt : {DType::I32, DType::I64}) {
      const Tensor ids = Tensor::from_vector({3, 0, 9, 3, 7, 1}, {2, 3}, id_dt);
      const Tensor out = ops::embedding(table, ids);
      ASSERT_EQ(out.shape(), (Shape{2, 3, 33}));
      EXPECT_EQ(out.dtype(), dt);
      const int ids_flat[] = {3, 0, 9, 3, 7, 1};
      for (int i = 0; i < 6; ++i)
        EXPECT_EQ(out.view({6, 33}).select(0, i).to_float_vector(), table.select(0, ids_flat[i]).to_float_vector());
    }
    // A non-contiguous table (a column slice) takes the copy path.
    const Tensor narrow_table = table.narrow(1, 1, 5);
    const Tensor out = ops::embedding(narrow_table, Tensor::from_vector({4}, {1}, DType::I64));
    EXPECT_EQ(out.select(0, 0).to_float_vector(), narrow_table.select(0, 4).to_float_vector());
  }
}

TEST(Embedding, OutOfRangeIdNamesTheId) {
  const Tensor table = Tensor::zeros({10, 4}, DType::F32);
  expect_invalid([&] { ops::embedding(table, Tensor::from_vector({1, 10}, {2}, DType::I64)); },
                 "id 10 at flat position 1 is out of range");
  expect_invalid([&] { ops::embedding(table, Tensor::from_vector({-1}, {1}, DType::I32)); }, "id -1");
  expect_invalid([&] { ops::embedding(table, Tensor::from_vector({1}, {1}, DType::F32)); }, "index dtype F32");
  expect_invalid([&] { ops::embedding(Tensor::zeros({10}, DType::F32), Tensor::from_vector({1}, {1}, DType::I64)); },
                 "expected 2 dims");
}

TEST(Concat, JoinsAlongAnyDimIncludingViews) {
  const Tensor a = random_tensor({2, 3, 4}, DType::F32, 52), b = random_tensor({2, 5, 4}, DType::F32, 53);
  const Tensor c = ops::concat({a, b}, 1);
  ASSERT_EQ(c.shape(), (Shape{2, 8, 4}));
  EXPECT_EQ(c.narrow(1, 0, 3).contiguous().to_float_vector(), a.to_float_vector());
  EXPECT_EQ(c.narrow(1, 3, 5).contiguous().to_float_vector(), b.to_float_vector());
  const Tensor t = a.transpose(0, 2);  // [4, 3, 2] strided
  const Tensor d = ops::concat({t, t, Tensor::zeros({4, 3, 0}, DType::F32)}, -1);
  ASSERT_EQ(d.shape(), (Shape{4, 3, 4}));
  EXPECT_EQ(d.narrow(2, 2, 2).contiguous().to_float_vector(), t.contiguous().to_float_vector());
  const Tensor s = ops::stack({a, a, a}, 0);
  EXPECT_EQ(s.shape(), (Shape{3, 2, 3, 4}));
  EXPECT_EQ(ops::stack({a, a}, -1).shape(), (Shape{2, 3, 4, 2}));
  EXPECT_EQ(ops::stack({a, a}, -1).select(3, 1).contiguous().to_float_vector(), a.to_float_vector());
  const Tensor h = ops::concat({a.to(DType::BF16), b.to(DType::BF16)}, 1);
  EXPECT_EQ(h.dtype(), DType::BF16);
}

TEST(Concat, BadInputIsInvalidArgument) {
  const Tensor a = Tensor::zeros({2, 3}, DType::F32);
  expect_invalid([&] { ops::concat({}, 0); }, "got 0 tensors");
  expect_invalid([&] { ops::concat({a, Tensor::zeros({3, 3}, DType::F32)}, 1); }, "tensor 1 has shape [3, 3]");
  expect_invalid([&] { ops::concat({a, a.to(DType::F16)}, 0); }, "tensor 1 has dtype F16");
  expect_invalid([&] { ops::concat({a, a}, 2); }, "dim 2 is out of range");
  expect_invalid([&] { ops::stack({a, Tensor::zeros({2, 4}, DType::F32)}, 0); }, "tensor 1 has shape [2, 4]");
}

}  // namespace
}  // namespace hfcpp::testing
