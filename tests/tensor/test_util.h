// Shared helpers for the tensor tests: seeded random tensors, an RAII guard that switches the
// kernel path (core::set_isa) and restores it, the list of (ISA, dtype) cases, and a minimal
// safetensors reader for the goldens (the formats module has the real one).
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/tensor/tensor.h"
#include "tolerance.h"

namespace hfcpp::testing {

using tensor::DType;
using tensor::Shape;
using tensor::Tensor;

inline Tensor random_tensor(const Shape& shape, DType dtype, uint32_t seed, float scale = 1.0f,
                            float shift = 0.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(tensor::shape_numel(shape)));
  for (float& x : v) x = dist(gen) * scale + shift;
  return Tensor::from_vector(v, shape, dtype);
}

class IsaGuard {
 public:
  explicit IsaGuard(core::Isa isa) : saved_(core::active_isa()) { core::set_isa(isa); }
  ~IsaGuard() { core::set_isa(saved_); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  core::Isa saved_;
};

struct IsaDtype {
  core::Isa isa;
  DType dtype;
};

inline std::vector<IsaDtype> isa_dtype_cases() {
  std::vector<IsaDtype> out;
  for (core::Isa isa : core::supported_isas())
    for (DType dt : {DType::F32, DType::F16, DType::BF16}) out.push_back({isa, dt});
  return out;
}

inline std::string isa_dtype_name(const ::testing::TestParamInfo<IsaDtype>& info) {
  return std::string(core::isa_name(info.param.isa)) + "_" + tensor::dtype_name(info.param.dtype);
}

inline const std::vector<int64_t>& odd_sizes() {
  static const std::vector<int64_t> sizes{1, 31, 32, 33, 4097};
  return sizes;
}

// Golden files: 8-byte little-endian header length, JSON header, raw little-endian data.
class GoldenFile {
 public:
  explicit GoldenFile(const std::string& relative_path) {
    file_ = core::MappedFile::open(std::string(HFCPP_SOURCE_DIR) + "/" + relative_path);
    uint64_t n = 0;
    std::memcpy(&n, file_->data(), 8);
    header_ = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(file_->data()) + 8, n));
    data_start_ = 8 + n;
  }
  const nlohmann::json& header() const { return header_; }
  std::string metadata(const std::string& key) const {
    return header_.at("__metadata__").at(key).get<std::string>();
  }
  bool has(const std::string& name) const { return header_.contains(name); }
  Tensor get(const std::string& name) const {
    const auto& e = header_.at(name);
    const auto dtype = tensor::parse_dtype(e.at("dtype").get<std::string>());
    const Shape shape = e.at("shape").get<Shape>();
    const size_t begin = e.at("data_offsets")[0].get<size_t>();
    return Tensor::borrow(file_, data_start_ + begin, shape, dtype.value()).clone();
  }

 private:
  std::shared_ptr<const core::MappedFile> file_;
  nlohmann::json header_;
  size_t data_start_ = 0;
};

}  // namespace hfcpp::testing

namespace hfcpp::testing {

// Runs fn on `inputs` with the kernels of `isa`, and on the same values converted to F32 with
// the scalar reference kernels; the first must match the second within `tol`.
template <class Fn>
void check_against_scalar_f32(core::Isa isa, const std::vector<Tensor>& inputs, Fn fn, Tolerance tol,
                              const std::string& what) {
  Tensor got, want;
  {
    IsaGuard g(isa);
    got = fn(inputs);
  }
  {
    IsaGuard g(core::Isa::Scalar);
    std::vector<Tensor> f32;
    for (const Tensor& t : inputs)
      f32.push_back(t.defined() && tensor::dtype_info(t.dtype()).is_float ? t.to(DType::F32) : t);
    want = fn(f32);
  }
  EXPECT_CLOSE(got, want, tol) << what << " [" << core::isa_name(isa) << "]";
}

// Expects fn() to throw Error(InvalidArgument) whose message contains `needle`.
template <class Fn>
void expect_invalid(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected an InvalidArgument error mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace hfcpp::testing
