// All tensor ops (hfcpp::ops). Include the family header you need in library code; this
// umbrella is for tools and tests.
#pragma once

#include "hfcpp/tensor/ops/activation.h"
#include "hfcpp/tensor/ops/attention.h"
#include "hfcpp/tensor/ops/concat.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/embedding.h"
#include "hfcpp/tensor/ops/norm.h"
#include "hfcpp/tensor/ops/reduce.h"
#include "hfcpp/tensor/ops/rope.h"
#include "hfcpp/tensor/ops/softmax.h"
