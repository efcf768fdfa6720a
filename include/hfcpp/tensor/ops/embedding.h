// Embedding lookup: rows of a [vocab, dim] table (F32/F16/BF16) gathered by ids (I32/I64, any
// shape). Output [ids..., dim] in the table's dtype. An out-of-range id is InvalidArgument naming
// the id and its position.
#pragma once

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::ops {

using tensor::Tensor;

Tensor embedding(const Tensor& table, const Tensor& ids);

}  // namespace hfcpp::ops
