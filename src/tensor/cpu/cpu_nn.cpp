// CpuBackend: row-wise neural-network ops (softmax, norms, swiglu, rope) and data movement
// (embedding, concat).
#include <cstring>

#include "hfcpp/core/thread_pool.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/row_access.h"

namespace hfcpp::tensor::cpu {

namespace {

// Runs fn(row_in_f32, row_out_f32, n) over every last-dim row of x; output contiguous, x's dtype.
template <class Fn>
Tensor map_rows(const Tensor& x, const char* op, Fn fn) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (out.numel() == 0) return out;
  RowWalker w({&x}, /*coalesce=*/false);
  const int64_t n = w.row_size();
  const CpuKernels& k = kernels();
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    T* po = static_cast<T*>(out.raw_mutable_data());
    const int64_t sx = w.inner_stride(0);
    core::parallel_for(0, w.rows(), grain_for(n), [&](int64_t lo, int64_t hi) {
      std::vector<float> tx(n), to(n);
      for (int64_t r = lo; r < hi; ++r) {
        const float* fx = load_row<T>(px + w.offset(0, r), sx, n, tx.data(), k);
        if (sx == 0) {
          for (int64_t i = 0; i < n; ++i) tx[i] = fx[0];
          fx = tx.data();
        }
        float* fo = std::is_same_v<T, float> ? reinterpret_cast<float*>(po + r * n) : to.data();
        fn(k, fx, fo, n, r);
        store_row<T>(fo, po + r * n, n, k);
      }
    });
  });
  return out;
}

}  // namespace

Tensor CpuBackend::softmax(const Tensor& x, bool log) {
  return map_rows(x, log ? "log_softmax" : "softmax",
                  [&](const CpuKernels& k, const float* in, float* out, int64_t n, int64_t) {
                    k.softmax(in, out, n, log);
                  });
}

Tensor CpuBackend::layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  const std::vector<float> w = to_f32_vector(weight), b = to_f32_vector(bias);
  const float* pw = w.empty() ? nullptr : w.data();
  const float* pb = b.empty() ? nullptr : b.data();
  return map_rows(x, "layer_norm", [&](const CpuKernels& k, const float* in, float* out, int64_t n, int64_t) {
    k.layer_norm(in, pw, pb, out, n, eps);
  });
}

Tensor CpuBackend::rms_norm(const Tensor& x, const Tensor& weight, float eps, bool unit_offset) {
  const std::vector<float> w = to_f32_vector(weight);
  const float* pw = w.empty() ? nullptr : w.data();
  const float offset = unit_offset ? 1.0f : 0.0f;
  return map_rows(x, "rms_norm", [&](const CpuKernels& k, const float* in, float* out, int64_t n, int64_t) {
    k.rms_norm(in, pw, out, n, eps, offset);
  });
}

std::pair<Tensor, Tensor> CpuBackend::add_rms_norm(const Tensor& x, const Tensor& residual,
                                                   const Tensor& weight, float eps, bool unit_offset) {
  const std::vector<float> w = to_f32_vector(weight);
  const float* pw = w.empty() ? nullptr : w.data();
  const float offset = unit_offset ? 1.0f : 0.0f;
  Tensor normed = Tensor::empty(x.shape(), x.dtype());
  Tensor sum = Tensor::empty(x.shape(), x.dtype());
  if (x.numel() == 0) return {normed, sum};
  RowWalker wk({&x, &residual}, /*coalesce=*/false);
  const int64_t n = wk.row_size();
  const CpuKernels& k = kernels();
  dispatch_float(x.dtype(), "add_rms_norm", [&]<class T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pr = static_cast<const T*>(residual.raw_data());
    T* pn = static_cast<T*>(normed.raw_mutable_data());
    T* ps = static_cast<T*>(sum.raw_mutable_data());
    const int64_t sx = wk.inner_stride(0), sr = wk.inner_stride(1);
    core::parallel_for(0, wk.rows(), grain_for(n), [&](int64_t lo, int64_t hi) {
      std::vector<float> tx(n), tr(n), tn(n), ts(n);
      for (int64_t r = lo; r < hi; ++r) {
        const float* fx = load_row<T>(px + wk.offset(0, r), sx, n, tx.data(), k);
        const float* fr = load_row<T>(pr + wk.offset(1, r), sr, n, tr.data(), k);
        if (sx == 0) { for (int64_t i = 0; i < n; ++i) tx[i] = fx[0]; fx = tx.data(); }
        if (sr == 0) { for (int64_t i = 0; i < n; ++i) tr[i] = fr[0]; fr = tr.data(); }
        // The sum is rounded to T before normalising, as the unfused ops would do.
        k.binary(BinaryOp::Add, fx, 1, fr, 1, ts.data(), n);
        store_row<T>(ts.data(), ps + r * n, n, k);
        const float* fs = load_row<T>(ps + r * n, 1, n, ts.data(), k);
        k.rms_norm(fs, pw, tn.data(), n, eps, offset);
        store_row<T>(tn.data(), pn + r * n, n, k);
      }
    });
  });
  return {normed, sum};
}

Tensor CpuBackend::swiglu(const Tensor& gate, const Tensor& up) {
  Tensor out = Tensor::empty(gate.shape(), gate.dtype());
  if (out.numel() == 0) return out;
  RowWalker w({&out, &gate, &up}, /*coalesce=*/true);
  const int64_t n = w.row_size();
  const CpuKernels& k = kernels();
  dispatch_float(gate.dtype(), "swiglu", [&]<class T>() {
    const T* pg = static_cast<const T*>(gate.raw_data());
    const T* pu = static_cast<const T*>(up.raw_data());
    T* po = static_cast<T*>(out.raw_mutable_data());
    const int64_t sg = w.inner_stride(1), su = w.inner_stride(2);
    core::parallel_for(0, w.rows(), grain_for(n), [&](int64_t lo, int64_t hi) {
      std::vector<float> tg(n), tu(n), to(n);
      for (int64_t r = lo; r < hi; ++r) {
        const float* fg = load_row<T>(pg + w.offset(1, r), sg, n, tg.data(), k);
        const float* fu = load_row<T>(pu + w.offset(2, r), su, n, tu.data(), k);
        if (sg == 0) { for (int64_t i = 0; i < n; ++i) tg[i] = fg[0]; fg = tg.data(); }
        if (su == 0) { for (int64_t i = 0; i < n; ++i) tu[i] = fu[0]; fu = tu.data(); }
        T* ro = po + w.offset(0, r);
        float* fo = std::is_same_v<T, float> ? reinterpret_cast<float*>(ro) : to.data();
        k.swiglu(fg, fu, fo, n);
        store_row<T>(fo, ro, n, k);
      }
    });
  });
  return out;
}

Tensor CpuBackend::rope(const Tensor& x, const Tensor& cos, const Tensor& sin, ops::RopeLayout layout) {
  // x [B, H, L, D]; cos/sin contiguous F32 [Bc, L, half].
  const int64_t H = x.size(1), L = x.size(2);
  const int64_t half = cos.size(2);
  const bool per_batch = cos.size(0) > 1;
  const float* pc = cos.data<float>();
  const float* ps = sin.data<float>();
  const bool interleaved = layout == ops::RopeLayout::Interleaved;
  return map_rows(x, "rope", [&](const CpuKernels& k, const float* in, float* out, int64_t n, int64_t r) {
    const int64_t l = r % L, b = r / (H * L);
    const int64_t t = (per_batch ? b * L : 0) + l;
    k.rope(in, pc + t * half, ps + t * half, out, half, interleaved);
    if (n > 2 * half) std::memcpy(out + 2 * half, in + 2 * half, (n - 2 * half) * sizeof(float));
  });
}

Tensor CpuBackend::embedding(const Tensor& table, const Tensor& ids) {
  const int64_t dim = table.size(1);
  Shape out_shape = ids.shape();
  out_shape.push_back(dim);
  Tensor out = Tensor::empty(out_shape, table.dtype());
  const Tensor flat_ids = ids.to(DType::I64).contiguous();
  const int64_t* pid = flat_ids.data<int64_t>();
  const int64_t count = flat_ids.numel();
  const size_t es = dtype_size(table.dtype());
  auto* po = static_cast<std::byte*>(out.raw_mutable_data());
  if (count == 0 || dim == 0) return out;
  if (table.strides()[1] == 1) {
    const auto* pt = static_cast<const std::byte*>(table.raw_data());
    const int64_t row_stride = table.strides()[0];
    core::parallel_for(0, count, grain_for(dim), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        std::memcpy(po + i * dim * es, pt + pid[i] * row_stride * es, dim * es);
    });
  } else {
    Tensor out2 = out.view({count, dim});
    for (int64_t i = 0; i < count; ++i) out2.select(0, i).copy_from(table.select(0, pid[i]));
  }
  return out;
}

Tensor CpuBackend::concat(const std::vector<Tensor>& tensors, int64_t dim, const Shape& out_shape) {
  Tensor out = Tensor::empty(out_shape, tensors.front().dtype());
  int64_t at = 0;
  for (const Tensor& t : tensors) {
    const int64_t len = t.size(dim);
    if (len > 0 && t.numel() > 0) out.narrow(dim, at, len).copy_from(t);
    at += len;
  }
  return out;
}

}  // namespace hfcpp::tensor::cpu
