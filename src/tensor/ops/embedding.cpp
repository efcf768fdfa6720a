#include "hfcpp/tensor/ops/embedding.h"

#include "tensor/dispatch.h"
#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;

Tensor embedding(const Tensor& table, const Tensor& ids) {
  check_float(table, "embedding", "table");
  check_rank(table, 2, "embedding", "table");
  check_defined(ids, "embedding", "ids");
  const int64_t vocab = table.size(0);
  // Every id is checked before any row is copied; the message names the first bad one.
  tensor::dispatch_index(ids.dtype(), "embedding", [&]<class I>() {
    const Tensor c = ids.contiguous();
    const I* p = c.template data<I>();
    for (int64_t i = 0; i < c.numel(); ++i) {
      HFCPP_CHECK(p[i] >= 0 && static_cast<int64_t>(p[i]) < vocab, ErrorCode::InvalidArgument,
                  "[embedding] id {} at flat position {} is out of range: expected 0 <= id < {} "
                  "(table shape {})",
                  static_cast<int64_t>(p[i]), i, vocab, tensor::shape_to_string(table.shape()));
    }
  });
  return backend_of(table).embedding(table, ids);
}

}  // namespace hfcpp::ops
