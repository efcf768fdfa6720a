// CpuBackend: elementwise ops (binary, unary, where) and reductions over the last dimension.
#include <cmath>
#include <limits>

#include "hfcpp/core/thread_pool.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/row_access.h"

namespace hfcpp::tensor::cpu {

namespace {
// Long rows are split into pieces of this many elements so one big contiguous tensor still
// spreads over the thread pool.
constexpr int64_t kChunk = 8192;

template <class T>
T* out_ptr(Tensor& out) { return static_cast<T*>(out.raw_mutable_data()); }
template <class T>
const T* in_ptr(const Tensor& t) { return static_cast<const T*>(t.raw_data()); }
}  // namespace

Tensor CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  if (out.numel() == 0) return out;
  RowWalker w({&out, &a, &b}, /*coalesce=*/true);
  const int64_t n = w.row_size();
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  const CpuKernels& k = kernels();
  dispatch_float(a.dtype(), binary_op_name(op), [&]<class T>() {
    T* po = out_ptr<T>(out);
    const T* pa = in_ptr<T>(a);
    const T* pb = in_ptr<T>(b);
    const int64_t sa = w.inner_stride(1), sb = w.inner_stride(2);
    core::parallel_for(0, w.rows() * chunks, grain_for(std::min(n, kChunk)), [&](int64_t lo, int64_t hi) {
      std::vector<float> ta(std::min(n, kChunk)), tb(ta.size()), to(ta.size());
      for (int64_t item = lo; item < hi; ++item) {
        const int64_t r = item / chunks, c0 = (item % chunks) * kChunk;
        const int64_t len = std::min(kChunk, n - c0);
        const T* ra = pa + w.offset(1, r) + c0 * sa;
        const T* rb = pb + w.offset(2, r) + c0 * sb;
        T* ro = po + w.offset(0, r) + c0;
        const float* fa = load_row<T>(ra, sa, len, ta.data(), k);
        const float* fb = load_row<T>(rb, sb, len, tb.data(), k);
        float* fo = std::is_same_v<T, float> ? reinterpret_cast<float*>(ro) : to.data();
        k.binary(op, fa, sa == 0 ? 0 : 1, fb, sb == 0 ? 0 : 1, fo, len);
        store_row<T>(fo, ro, len, k);
      }
    });
  });
  return out;
}

Tensor CpuBackend::unary(UnaryOp op, const Tensor& x, float param) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (out.numel() == 0) return out;
  RowWalker w({&out, &x}, /*coalesce=*/true);
  const int64_t n = w.row_size();
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  const CpuKernels& k = kernels();
  dispatch_float(x.dtype(), unary_op_name(op), [&]<class T>() {
    T* po = out_ptr<T>(out);
    const T* px = in_ptr<T>(x);
    const int64_t sx = w.inner_stride(1);
    core::parallel_for(0, w.rows() * chunks, grain_for(std::min(n, kChunk)), [&](int64_t lo, int64_t hi) {
      std::vector<float> tx(std::min(n, kChunk)), to(tx.size());
      for (int64_t item = lo; item < hi; ++item) {
        const int64_t r = item / chunks, c0 = (item % chunks) * kChunk;
        const int64_t len = std::min(kChunk, n - c0);
        const T* rx = px + w.offset(1, r) + c0 * sx;
        T* ro = po + w.offset(0, r) + c0;
        const float* fx = load_row<T>(rx, sx, len, tx.data(), k);
        if (sx == 0) {  // a broadcast input row: one value repeated
          tx[0] = fx[0];
          for (int64_t i = 1; i < len; ++i) tx[i] = tx[0];
          fx = tx.data();
        }
        float* fo = std::is_same_v<T, float> ? reinterpret_cast<float*>(ro) : to.data();
        k.unary(op, fx, fo, len, param);
        store_row<T>(fo, ro, len, k);
      }
    });
  });
  return out;
}

Tensor CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  // Not a hot path: materialise the condition as Bool and select element by element.
  Tensor c = cond.to(DType::Bool);
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  if (out.numel() == 0) return out;
  RowWalker w({&out, &c, &a, &b}, /*coalesce=*/true);
  const int64_t n = w.row_size();
  dispatch_float(a.dtype(), "where", [&]<class T>() {
    T* po = out_ptr<T>(out);
    const uint8_t* pc = static_cast<const uint8_t*>(c.raw_data());
    const T* pa = in_ptr<T>(a);
    const T* pb = in_ptr<T>(b);
    const int64_t sc = w.inner_stride(1), sa = w.inner_stride(2), sb = w.inner_stride(3);
    core::parallel_for(0, w.rows(), grain_for(n), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const uint8_t* rc = pc + w.offset(1, r);
        const T* ra = pa + w.offset(2, r);
        const T* rb = pb + w.offset(3, r);
        T* ro = po + w.offset(0, r);
        for (int64_t i = 0; i < n; ++i) ro[i] = rc[i * sc] ? ra[i * sa] : rb[i * sb];
      }
    });
  });
  return out;
}

namespace {
float reduce_row(ReduceOp op, const float* x, int64_t n, int64_t correction, const CpuKernels& k,
                 int64_t* argmax_out) {
  switch (op) {
    case ReduceOp::Sum: return k.sum(x, n);
    case ReduceOp::Mean: return k.sum(x, n) / static_cast<float>(n);
    case ReduceOp::Max: return k.max(x, n);
    case ReduceOp::Min: {
      float m = std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(x[i])) return x[i];
        m = x[i] < m ? x[i] : m;
      }
      return m;
    }
    case ReduceOp::Argmax: {
      int64_t best = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(x[i])) {  // torch: the first NaN is the maximum
          best = i;
          break;
        }
        if (x[i] > x[best]) best = i;
      }
      *argmax_out = best;
      return 0;
    }
    case ReduceOp::LogSumExp: {
      const float m = k.max(x, n);
      if (std::isinf(m)) return m;  // all -inf -> -inf; any +inf -> +inf
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i] - m));
      return m + static_cast<float>(std::log(s));
    }
    case ReduceOp::Var: {
      const float mean = k.sum(x, n) / static_cast<float>(n);
      double ss = 0;
      for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i] - mean) * (x[i] - mean);
      const double denom = static_cast<double>(n - correction);
      return static_cast<float>(denom > 0 ? ss / denom : ss / 0.0);
    }
  }
  return 0;
}
}  // namespace

Tensor CpuBackend::reduce(ReduceOp op, const Tensor& x, int64_t correction) {
  Shape out_shape(x.shape().begin(), x.shape().end() - 1);
  const bool is_arg = op == ReduceOp::Argmax;
  Tensor out = Tensor::empty(out_shape, is_arg ? DType::I64 : x.dtype());
  RowWalker w({&x}, /*coalesce=*/false);
  const int64_t n = w.row_size();
  const CpuKernels& k = kernels();
  dispatch_float(x.dtype(), reduce_op_name(op), [&]<class T>() {
    const T* px = in_ptr<T>(x);
    const int64_t sx = w.inner_stride(0);
    core::parallel_for(0, w.rows(), grain_for(n), [&](int64_t lo, int64_t hi) {
      std::vector<float> tx(n), res(hi - lo);
      std::vector<int64_t> idx(hi - lo);
      for (int64_t r = lo; r < hi; ++r) {
        const float* fx = load_row<T>(px + w.offset(0, r), sx, n, tx.data(), k);
        if (sx == 0) {
          for (int64_t i = 0; i < n; ++i) tx[i] = fx[0];
          fx = tx.data();
        }
        res[r - lo] = reduce_row(op, fx, n, correction, k, &idx[r - lo]);
      }
      if (is_arg) {
        std::copy(idx.begin(), idx.end(), out_ptr<int64_t>(out) + lo);
      } else {
        store_row<T>(res.data(), out_ptr<T>(out) + lo, hi - lo, k);
      }
    });
  });
  return out;
}

}  // namespace hfcpp::tensor::cpu
