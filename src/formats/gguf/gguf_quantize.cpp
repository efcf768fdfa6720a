// quantize_gguf (llama-quantize's job) and load_imatrix (its --imatrix: averages from imatrix.h's reader).
// The output streams tensor by tensor: the header first (every size is known from the plan),
// then each tensor converted in memory and zero-padded to the alignment.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/formats/gguf_quantize.h"
#include "hfcpp/formats/imatrix.h"
#include "hfcpp/quant/quant.h"

namespace hfcpp::formats {

using quant::GgmlType;

namespace {

std::optional<int64_t> first_int(const GgufFile& f, const std::string& key) {
  const GgufValue* v = f.find(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_array()) {  // per-layer arrays (e.g. head_count_kv of hybrid models): layer 0's value
    if (v->items().empty()) return std::nullopt;
    return v->items()[0].as_int();
  }
  return f.get_int(key);
}

QuantizeModelInfo model_info(const GgufFile& f) {
  QuantizeModelInfo m;
  m.architecture = f.architecture();
  const std::string& a = m.architecture;
  m.n_layer = first_int(f, a + ".block_count").value_or(0);
  m.n_head = first_int(f, a + ".attention.head_count").value_or(1);
  m.n_head_kv = first_int(f, a + ".attention.head_count_kv").value_or(m.n_head);
  m.n_expert = first_int(f, a + ".expert_count").value_or(0);
  return m;
}

bool is_split_key(const std::string& key) {
  return key == "split.no" || key == "split.count" || key == "split.tensors.count";
}

tensor::Shape row_major(const std::vector<uint64_t>& ne) {
  tensor::Shape s;
  for (auto it = ne.rbegin(); it != ne.rend(); ++it) s.push_back(static_cast<int64_t>(*it));
  return s;
}

class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
    f_ = std::fopen(tmp_.c_str(), "wb");
    HFCPP_CHECK(f_ != nullptr, ErrorCode::Io, "[quantize] cannot create '{}': {}", tmp_, std::strerror(errno));
  }
  ~OutputFile() {
    if (f_ != nullptr) {
      std::fclose(f_);
      std::remove(tmp_.c_str());
    }
  }
  void write(const void* data, size_t n) {
    HFCPP_CHECK(n == 0 || std::fwrite(data, 1, n, f_) == n, ErrorCode::Io, "[quantize] writing '{}' failed: {}", tmp_,
                std::strerror(errno));
  }
  void pad(size_t n) {
    static const char kZeros[64] = {};
    while (n > 0) {
      const size_t k = std::min(n, sizeof(kZeros));
      write(kZeros, k);
      n -= k;
    }
  }
  void commit() {
    const bool ok = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok) std::remove(tmp_.c_str());
    HFCPP_CHECK(ok, ErrorCode::Io, "[quantize] closing '{}' failed: {}", tmp_, std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    HFCPP_CHECK(!ec, ErrorCode::Io, "[quantize] renaming '{}' to '{}' failed: {}", tmp_, path_, ec.message());
  }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
};

}  // namespace

ImportanceMatrix load_imatrix(const std::string& path) {
  // llama-quantize's load_imatrix: GGUF sums divided by their count (1 where a matrix saw no
  // token); legacy values divided by ncall.
  const ImatrixFile file = read_imatrix_file(path);
  HFCPP_CHECK(file.is_legacy || file.has_metadata, ErrorCode::Format,
              "[imatrix] '{}': a GGUF imatrix without the {}, {} and {} keys (llama-quantize refuses it too)", path,
              kImatrixDatasetsKey, kImatrixChunkCountKey, kImatrixChunkSizeKey);
  ImportanceMatrix out;
  for (const auto& [name, e] : file.entries) {
    std::vector<float>& values = out[name];
    values.resize(e.sums.size());
    if (file.is_legacy) {
      const float ncall = static_cast<float>(e.counts.empty() ? 0 : e.counts[0]);
      for (size_t i = 0; i < values.size(); ++i) values[i] = ncall > 0 ? e.sums[i] / ncall : e.sums[i];
      continue;
    }
    const size_t n_cols = e.sums.size() / e.counts.size();
    for (size_t m = 0; m < e.counts.size(); ++m) {
      const float count = static_cast<float>(e.counts[m]);
      for (size_t c = 0; c < n_cols; ++c)
        values[m * n_cols + c] = count > 0.0f ? e.sums[m * n_cols + c] / count : 1.0f;
    }
  }
  return out;
}

GgufQuantizeReport quantize_gguf(const std::string& in_path, const std::string& out_path,
                                 const GgufQuantizeOptions& options) {
  HFCPP_CHECK(std::filesystem::weakly_canonical(in_path) != std::filesystem::weakly_canonical(out_path),
              ErrorCode::InvalidArgument, "[quantize] output '{}' is the input file", out_path);
  const GgufFile in = GgufFile::open(in_path);
  std::vector<QuantizeTensorDesc> descs;
  for (const auto& t : in.tensors()) descs.push_back({t.name, t.ne, t.type});
  QuantizePlanOptions plan_options{.has_imatrix = options.imatrix != nullptr,
                                   .pure = options.pure,
                                   .output_tensor_type = options.output_tensor_type,
                                   .token_embedding_type = options.token_embedding_type};
  const QuantizePlan plan = choose_tensor_types(model_info(in), descs, options.ftype, plan_options);

  // Check every tensor before writing anything.
  for (size_t i = 0; i < descs.size(); ++i) {
    const auto& t = descs[i];
    const GgmlType to = plan.types[i];
    if (to == t.type) continue;
    HFCPP_CHECK(quant::can_dequantize(t.type), ErrorCode::Unsupported,
                "[quantize] tensor '{}': cannot convert from {}", t.name, quant::ggml_type_info(t.type).name);
    HFCPP_CHECK(quant::can_quantize(to), ErrorCode::Unsupported, "[quantize] tensor '{}': cannot quantize to {}",
                t.name, quant::ggml_type_info(to).name);
    const bool quantized_input = t.type != GgmlType::F32 && t.type != GgmlType::F16 && t.type != GgmlType::BF16;
    HFCPP_CHECK(!quantized_input || options.allow_requantize, ErrorCode::InvalidArgument,
                "[quantize] tensor '{}' is already {}: requantizing loses quality, pass --allow-requantize to do it "
                "anyway",
                t.name, quant::ggml_type_info(t.type).name);
  }

  GgufWriter writer;
  for (const auto& kv : in.metadata()) {
    if (kv.key == "general.quantization_version" || kv.key == "general.file_type" || is_split_key(kv.key)) continue;
    writer.set(kv.key, kv.value);
  }
  // llama.cpp re-sets these two, which moves them to the end of the metadata.
  writer.set("general.quantization_version", GgufValue::u32(2));
  writer.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(options.ftype)));
  for (size_t idx : plan.order) writer.add_tensor_info(descs[idx].name, plan.types[idx], row_major(descs[idx].ne));

  GgufQuantizeReport report;
  report.n_fallback = plan.n_fallback;
  for (const auto& t : in.tensors()) report.bytes_in += t.nbytes;
  if (options.dry_run) {
    for (size_t idx : plan.order) {
      const auto& info = in.tensors()[idx];
      const GgmlType to = plan.types[idx];
      const uint64_t n_rows = info.ne[0] == 0 ? 0 : info.numel() / info.ne[0];
      const uint64_t bytes_out = to == info.type ? info.nbytes : quant::ggml_row_bytes(to, info.ne[0]) * n_rows;
      const bool imatrix = to != info.type && options.imatrix != nullptr && options.imatrix->count(info.name) > 0;
      report.tensors.push_back({info.name, info.ne, info.type, to, info.nbytes, bytes_out, imatrix});
      report.bytes_out += bytes_out;
      report.n_elements += info.numel();
    }
    return report;
  }
  OutputFile out(out_path);
  const std::string header = writer.header_bytes();
  out.write(header.data(), header.size());
  const uint64_t alignment = writer.alignment();

  uint64_t done = 0;
  std::vector<float> f32;
  std::vector<std::byte> converted;
  for (size_t idx : plan.order) {
    const auto& info = in.tensors()[idx];
    const GgmlType to = plan.types[idx];
    const auto src = in.tensor_bytes(info.name);
    GgufQuantizedTensor rec{info.name, info.ne, info.type, to, info.nbytes, info.nbytes, false};
    std::span<const std::byte> result = src;
    if (to != info.type) {
      const int64_t n_cols = static_cast<int64_t>(info.ne[0]);
      const int64_t numel = static_cast<int64_t>(info.numel());
      const int64_t n_rows = n_cols == 0 ? 0 : numel / n_cols;
      const int64_t rows_per_mat = info.ne.size() > 1 ? static_cast<int64_t>(info.ne[1]) : 1;
      const int64_t n_mat = rows_per_mat == 0 ? 0 : n_rows / rows_per_mat;
      const float* importance = nullptr;
      if (options.imatrix != nullptr) {
        const auto it = options.imatrix->find(info.name);
        if (it != options.imatrix->end()) {
          if (it->second.size() == static_cast<size_t>(n_cols * n_mat)) {
            importance = it->second.data();
          } else {
            // llama.cpp ignores a mismatched token_embd entry (it is a row lookup) and refuses the rest.
            HFCPP_CHECK(info.name == "token_embd.weight" || info.name == "per_layer_token_embd.weight",
                        ErrorCode::InvalidArgument, "[quantize] imatrix entry '{}' has {} values, expected {}",
                        info.name, it->second.size(), n_cols * n_mat);
          }
        }
      }
      rec.used_imatrix = importance != nullptr;
      f32.resize(static_cast<size_t>(numel));
      const uint64_t src_row_bytes = quant::ggml_row_bytes(info.type, static_cast<uint64_t>(n_cols));
      core::parallel_for(0, n_rows, 64, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          quant::dequantize(info.type, src.data() + static_cast<size_t>(r) * src_row_bytes,
                            f32.data() + r * n_cols, n_cols);
      });
      const uint64_t dst_row_bytes = quant::ggml_row_bytes(to, static_cast<uint64_t>(n_cols));
      converted.resize(static_cast<size_t>(dst_row_bytes * static_cast<uint64_t>(n_rows)));
      for (int64_t m = 0; m < n_mat; ++m)  // experts are quantized one by one with their own importance
        quant::quantize(to, f32.data() + m * rows_per_mat * n_cols,
                        converted.data() + static_cast<size_t>(m * rows_per_mat) * dst_row_bytes, rows_per_mat, n_cols,
                        importance ? importance + m * n_cols : nullptr);
      result = converted;
      rec.bytes_out = converted.size();
    }
    out.write(result.data(), result.size());
    out.pad(static_cast<size_t>((alignment - result.size() % alignment) % alignment));
    report.bytes_out += rec.bytes_out;
    report.n_elements += info.numel();
    report.tensors.push_back(std::move(rec));
    done += info.nbytes;
    if (options.on_progress) options.on_progress(done, report.bytes_in);
  }
  out.commit();
  return report;
}

}  // namespace hfcpp::formats
