// The backend interface: one virtual per op family (candle's BackendStorage, MLX's primitives).
// hfcpp::ops functions validate their arguments once, then call backend_for(device).<family>(),
// so backends receive only well-formed input (shapes agree, dtypes supported, masks expanded).
// CpuBackend lives in cpu/; a CUDA backend would live in cuda/; without HFCPP_CUDA, no_cuda.cpp
// provides a cuda_backend() that throws Unsupported, so op code has no #ifdef.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "hfcpp/tensor/ops/rope.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::tensor {

enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, Maximum, Minimum };
enum class UnaryOp : uint8_t {
  Neg, Exp, Log, Sqrt, Rsqrt, Tanh, Abs, Sigmoid, Relu,
  Pow, AddScalar, MulScalar,  // take the scalar parameter
  Gelu, GeluTanh, QuickGelu, Silu,
};
enum class ReduceOp : uint8_t { Sum, Mean, Max, Min, Argmax, LogSumExp, Var };

const char* binary_op_name(BinaryOp op);
const char* unary_op_name(UnaryOp op);
const char* reduce_op_name(ReduceOp op);

// SDPA after validation: masks are expanded views ([B, H, Lq, Lk] and [B, Lk]) or undefined.
struct SdpaParams {
  float scale = 1.0f;
  Tensor mask;            // additive (float dtype) or boolean (true = attend)
  bool mask_is_bool = false;
  bool causal = false;
  int64_t past = 0;       // absolute position of query 0
  int64_t window = 0;     // 0: none
  Tensor key_padding;     // [B, Lk] expanded view, nonzero = keep
  float softcap = 0.0f;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // a, b: same dtype, already expanded to the output shape (stride-0 views where broadcast).
  virtual Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) = 0;
  virtual Tensor unary(UnaryOp op, const Tensor& x, float param) = 0;
  // cond (any integer/bool dtype), a, b expanded to one shape; a and b share a float dtype.
  virtual Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) = 0;
  // Reduces the last dimension (non-empty): output shape x.shape[:-1]; Argmax gives I64.
  virtual Tensor reduce(ReduceOp op, const Tensor& x, int64_t correction) = 0;
  virtual Tensor softmax(const Tensor& x, bool log) = 0;  // over the last dimension
  // weight/bias: [n] of any float dtype or undefined.
  virtual Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) = 0;
  virtual Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps, bool unit_offset) = 0;
  // Returns {rms_norm(x + residual), x + residual}.
  virtual std::pair<Tensor, Tensor> add_rms_norm(const Tensor& x, const Tensor& residual,
                                                 const Tensor& weight, float eps,
                                                 bool unit_offset) = 0;
  virtual Tensor swiglu(const Tensor& gate, const Tensor& up) = 0;
  // x [B, H, L, D]; cos/sin F32 [Bc, L, R/2] with Bc in {1, B}.
  virtual Tensor rope(const Tensor& x, const Tensor& cos, const Tensor& sin, ops::RopeLayout layout) = 0;
  // table [V, D]; ids I32/I64 with every id already checked to be in range.
  virtual Tensor embedding(const Tensor& table, const Tensor& ids) = 0;
  // Same dtype, shapes agree except along dim; out_shape is the joined shape.
  virtual Tensor concat(const std::vector<Tensor>& tensors, int64_t dim, const Shape& out_shape) = 0;
  virtual Tensor sdpa(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaParams& params) = 0;
  // matmul/linear: declared by the matmul family (ops/matmul.h).
};

Backend& backend_for(Device device);
Backend& cpu_backend();
Backend& cuda_backend();  // cuda/cuda_backend.cpp, or no_cuda.cpp (throws Unsupported)

}  // namespace hfcpp::tensor
