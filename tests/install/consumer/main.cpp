#include <cstdio>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/tensor/tensor.h"
#include "hfcpp/version.h"

int main() {
  auto t = hfcpp::tensor::Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  auto tt = t.transpose(0, 1).contiguous();
  std::printf("hfcpp %s on %s: %s\n", HFCPP_VERSION_STRING,
              hfcpp::core::isa_name(hfcpp::core::active_isa()), tt.to_string().c_str());
  return tt.item({2, 1}) == 6.0 ? 0 : 1;
}
