// matmul / linear: shape validation and broadcasting, then tensor::cpu::gemm on 2-d slices.
// Strided operands are passed to the kernel as (possibly transposed) matrices with a leading
// dimension; only views that are strided in both matrix dimensions are copied.
#include "hfcpp/tensor/ops/matmul.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tensor/convert.h"
#include "tensor/cpu/gemm.h"

namespace hfcpp::ops {
namespace {

using tensor::DType;
using tensor::Shape;
using tensor::shape_to_string;
using tensor::cpu::GemmArgs;

bool is_matmul_dtype(DType d) { return d == DType::F32 || d == DType::BF16 || d == DType::F16; }

void check_dtype(const char* op, const char* what, const Tensor& t) {
  HFCPP_CHECK(t.defined(), ErrorCode::InvalidArgument, "[{}] {} is an undefined tensor", op, what);
  HFCPP_CHECK(is_matmul_dtype(t.dtype()), ErrorCode::Unsupported,
              "[{}] {} has dtype {}, expected F32, BF16 or F16", op, what, tensor::dtype_name(t.dtype()));
}

DType result_dtype(DType a, DType b) { return a == b ? a : DType::F32; }

// A rows x cols matrix with element strides (s_row, s_col) as a GEMM operand: row-major with
// leading dimension ld, or transposed (column-major). False when neither stride is 1.
bool as_operand(int64_t rows, int64_t cols, int64_t s_row, int64_t s_col, bool& trans, int64_t& ld) {
  if ((cols == 1 || s_col == 1) && (rows <= 1 || s_row >= cols)) {
    trans = false;
    ld = rows <= 1 ? cols : s_row;
    return true;
  }
  if ((rows == 1 || s_row == 1) && (cols <= 1 || s_col >= rows)) {
    trans = true;
    ld = cols <= 1 ? rows : s_col;
    return true;
  }
  return false;
}

// The tensor's dims [0, dim-1) collapse to one dimension of uniform stride (rows of length
// size(-1) with inner stride 1): then x is a rows x size(-1) matrix with leading dim `ld`.
bool rows_collapse(const Tensor& x, int64_t& ld) {
  const int64_t nd = x.dim();
  if (x.size(-1) > 1 && x.strides()[nd - 1] != 1) return false;
  int64_t stride = -1;  // the stride the next outer non-trivial dim must have
  ld = std::max<int64_t>(x.size(-1), 1);
  for (int64_t d = nd - 2; d >= 0; --d) {
    if (x.shape()[d] == 1) continue;
    if (stride < 0) {
      ld = x.strides()[d];
      if (ld < x.size(-1)) return false;
    } else if (x.strides()[d] != stride) {
      return false;
    }
    stride = x.strides()[d] * x.shape()[d];
  }
  return true;
}

const std::byte* bytes_of(const Tensor& t) { return static_cast<const std::byte*>(t.raw_data()); }

// Runs gemm into an F32 tensor `out_f32` (contiguous [rows, n] view), converts if needed.
Tensor finish(Tensor out_f32, DType dtype) { return dtype == DType::F32 ? out_f32 : out_f32.to(dtype); }

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_dtype("matmul", "a", a_in);
  check_dtype("matmul", "b", b_in);
  HFCPP_CHECK(a_in.dim() >= 1 && b_in.dim() >= 1, ErrorCode::InvalidArgument,
              "[matmul] operands must have at least 1 dimension: got a {} and b {}",
              shape_to_string(a_in.shape()), shape_to_string(b_in.shape()));
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  Tensor a = a_vec ? a_in.unsqueeze(0) : a_in;
  Tensor b = b_vec ? b_in.unsqueeze(1) : b_in;
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  HFCPP_CHECK(b.size(-2) == k, ErrorCode::InvalidArgument,
              "[matmul] inner dimensions differ: got a {} and b {} ({} vs {})",
              shape_to_string(a_in.shape()), shape_to_string(b_in.shape()), k, b.size(-2));

  // Broadcast batch dimensions.
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  const Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch(std::max(a_batch.size(), b_batch.size()), 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    const int64_t da = i + a_batch.size() >= batch.size() ? a_batch[i + a_batch.size() - batch.size()] : 1;
    const int64_t db = i + b_batch.size() >= batch.size() ? b_batch[i + b_batch.size() - batch.size()] : 1;
    HFCPP_CHECK(da == db || da == 1 || db == 1, ErrorCode::InvalidArgument,
                "[matmul] batch dimensions do not broadcast: got a {} and b {}",
                shape_to_string(a_in.shape()), shape_to_string(b_in.shape()));
    batch[i] = std::max(da, db);
  }
  const int64_t batch_count = tensor::shape_numel(batch);
  const int64_t b_batch_count = tensor::shape_numel(b_batch);

  Shape out_shape = batch;
  if (!a_vec) out_shape.push_back(m);
  if (!b_vec) out_shape.push_back(n);
  const DType out_dtype = result_dtype(a.dtype(), b.dtype());
  Tensor out = Tensor::empty({batch_count * m, n}, DType::F32);

  GemmArgs g;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a_dtype = a.dtype();
  g.b_dtype = b.dtype();
  g.c = out.mutable_data<float>();
  g.ldc = n;
  if (!as_operand(k, n, b.strides()[b.dim() - 2], b.strides()[b.dim() - 1], g.trans_b, g.ldb)) {
    b = b.contiguous();
    as_operand(k, n, b.strides()[b.dim() - 2], b.strides()[b.dim() - 1], g.trans_b, g.ldb);
  }

  // One weight for every batch entry and A's rows laid out uniformly: a single GEMM with
  // batch * m rows (the x @ W of every linear layer).
  int64_t fold_ld;
  if (b_batch_count == 1 && a.dim() >= 2 && rows_collapse(a, fold_ld)) {
    g.m = batch_count * m;
    g.a = a.raw_data();
    g.lda = fold_ld;
    g.b = b.raw_data();
    tensor::cpu::gemm(g);
    return finish(out.view(out_shape.empty() ? Shape{} : out_shape), out_dtype);
  }

  if (!as_operand(m, k, a.strides()[a.dim() - 2], a.strides()[a.dim() - 1], g.trans_a, g.lda)) {
    a = a.contiguous();
    as_operand(m, k, a.strides()[a.dim() - 2], a.strides()[a.dim() - 1], g.trans_a, g.lda);
  }
  // Element offsets of each batch entry (stride 0 along broadcast dimensions).
  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  const Tensor ax = a.expand(a_full), bx = b.expand(b_full);
  const size_t a_size = tensor::dtype_size(a.dtype()), b_size = tensor::dtype_size(b.dtype());
  const std::byte* a_base = bytes_of(ax);
  const std::byte* b_base = bytes_of(bx);
  auto run_entry = [&](int64_t e) {
    int64_t rest = e, a_off = 0, b_off = 0;
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      const int64_t idx = rest % batch[d];
      rest /= batch[d];
      a_off += idx * ax.strides()[d];
      b_off += idx * bx.strides()[d];
    }
    GemmArgs ge = g;
    ge.a = a_base + a_off * static_cast<int64_t>(a_size);
    ge.b = b_base + b_off * static_cast<int64_t>(b_size);
    ge.c = g.c + e * m * n;
    tensor::cpu::gemm(ge);
  };
  // Many small products (attention scores): one per task; large ones split internally.
  if (batch_count > 1 && 2 * m * n * k < (int64_t{1} << 22)) {
    core::parallel_for(0, batch_count, 1, [&](int64_t e0, int64_t e1) {
      for (int64_t e = e0; e < e1; ++e) run_entry(e);
    });
  } else {
    for (int64_t e = 0; e < batch_count; ++e) run_entry(e);
  }
  return finish(out.view(out_shape), out_dtype);
}

namespace {

// One linear layer's GEMM, set up: the output (f32, bias pre-filled) and the arguments.
struct PreparedLinear {
  Tensor x, w, out;
  GemmArgs g;
  Shape out_shape;
  DType dtype = DType::F32;
};

PreparedLinear prepare_linear(const Tensor& x_in, const Tensor& weight_in, const Tensor* bias) {
  check_dtype("linear", "x", x_in);
  check_dtype("linear", "weight", weight_in);
  HFCPP_CHECK(weight_in.dim() == 2, ErrorCode::InvalidArgument,
              "[linear] weight must be 2-d [out, in]: got {}", shape_to_string(weight_in.shape()));
  HFCPP_CHECK(x_in.dim() >= 1 && x_in.size(-1) == weight_in.size(1), ErrorCode::InvalidArgument,
              "[linear] input features differ: got x {} and weight {}",
              shape_to_string(x_in.shape()), shape_to_string(weight_in.shape()));
  const int64_t out_features = weight_in.size(0), in_features = weight_in.size(1);
  if (bias) {
    check_dtype("linear", "bias", *bias);
    HFCPP_CHECK(bias->dim() == 1 && bias->size(0) == out_features, ErrorCode::InvalidArgument,
                "[linear] bias must be [{}]: got {}", out_features, shape_to_string(bias->shape()));
  }
  PreparedLinear p;
  p.x = x_in;
  int64_t lda;
  if (!rows_collapse(p.x, lda)) {
    p.x = p.x.contiguous();
    rows_collapse(p.x, lda);
  }
  p.w = weight_in;
  GemmArgs& g = p.g;
  if (!as_operand(in_features, out_features, p.w.strides()[1], p.w.strides()[0], g.trans_b, g.ldb)) {
    p.w = p.w.contiguous();
    as_operand(in_features, out_features, p.w.strides()[1], p.w.strides()[0], g.trans_b, g.ldb);
  }
  const int64_t rows = p.x.numel() / std::max<int64_t>(in_features, 1);
  const int64_t batch_rows =
      in_features == 0 ? tensor::shape_numel(Shape(p.x.shape().begin(), p.x.shape().end() - 1)) : rows;
  p.out_shape = Shape(x_in.shape().begin(), x_in.shape().end() - 1);
  p.out_shape.push_back(out_features);
  p.out = Tensor::empty({batch_rows, out_features}, DType::F32);
  float* c = p.out.mutable_data<float>();
  if (bias) {
    const std::vector<float> bias_f32 = bias->to_float_vector();
    for (int64_t r = 0; r < batch_rows; ++r)
      std::memcpy(c + r * out_features, bias_f32.data(), bias_f32.size() * sizeof(float));
    g.beta = 1.0f;
  }
  g.m = batch_rows;
  g.n = out_features;
  g.k = in_features;
  g.a = p.x.raw_data();
  g.a_dtype = p.x.dtype();
  g.lda = lda;
  g.b = p.w.raw_data();
  g.b_dtype = p.w.dtype();
  g.c = c;
  g.ldc = out_features;
  p.dtype = result_dtype(p.x.dtype(), p.w.dtype());
  return p;
}

}  // namespace

Tensor linear(const Tensor& x_in, const Tensor& weight_in, const Tensor* bias) {
  PreparedLinear p = prepare_linear(x_in, weight_in, bias);
  tensor::cpu::gemm(p.g);
  return finish(p.out.view(p.out_shape), p.dtype);
}

std::vector<Tensor> linear_group(const Tensor& x_in, std::span<const Tensor* const> weights,
                                 std::span<const Tensor* const> biases) {
  HFCPP_CHECK(biases.empty() || biases.size() == weights.size(), ErrorCode::InvalidArgument,
              "[linear_group] {} biases for {} weights: expected none or one each", biases.size(), weights.size());
  // One contiguous input for all, so that every product reads the same A.
  Tensor x = x_in;
  int64_t lda;
  if (!rows_collapse(x, lda)) x = x.contiguous();
  std::vector<PreparedLinear> prepared;
  std::vector<GemmArgs> args;
  for (size_t i = 0; i < weights.size(); ++i) {
    prepared.push_back(prepare_linear(x, *weights[i], biases.empty() ? nullptr : biases[i]));
    args.push_back(prepared.back().g);
  }
  tensor::cpu::gemm_group(args);
  std::vector<Tensor> out;
  for (PreparedLinear& p : prepared) out.push_back(finish(p.out.view(p.out_shape), p.dtype));
  return out;
}

}  // namespace hfcpp::ops
