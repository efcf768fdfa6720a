// llama.cpp's imatrix files: reading both formats (common_imatrix_load's rules, with bounds
// checks instead of crashes), merging as llama-imatrix --in-file does, and writing both formats
// byte for byte as llama-imatrix's save_imatrix / save_imatrix_legacy do.
#include "hfcpp/formats/imatrix.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/formats/gguf.h"

namespace hfcpp::formats {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

ImatrixFile read_legacy(const std::string& path, std::span<const std::byte> bytes) {
  size_t pos = 0;
  auto read_i32 = [&](const char* what) {
    HFCPP_CHECK(pos + 4 <= bytes.size(), ErrorCode::Format, "[imatrix] '{}': truncated at byte {} reading {}", path,
                pos, what);
    int32_t v;
    std::memcpy(&v, bytes.data() + pos, 4);
    pos += 4;
    return v;
  };
  ImatrixFile out;
  out.is_legacy = true;
  const int32_t n_entries = read_i32("the entry count");
  // An entry takes at least 16 bytes (name length, one name byte rounded up, ncall, nval, a value).
  HFCPP_CHECK(n_entries > 0 && static_cast<size_t>(n_entries) <= bytes.size() / 16, ErrorCode::Format,
              "[imatrix] '{}': {} entries, expected 1..{} for a {}-byte file", path, n_entries, bytes.size() / 16,
              bytes.size());
  for (int32_t e = 0; e < n_entries; ++e) {
    const int32_t name_len = read_i32("a name length");
    HFCPP_CHECK(name_len > 0 && pos + static_cast<size_t>(name_len) <= bytes.size(), ErrorCode::Format,
                "[imatrix] '{}': entry {} name length {} at byte {} exceeds the file", path, e, name_len, pos - 4);
    std::string name(reinterpret_cast<const char*>(bytes.data() + pos), static_cast<size_t>(name_len));
    name.resize(std::strlen(name.c_str()));  // llama.cpp reads the name as a C string
    pos += static_cast<size_t>(name_len);
    const int32_t ncall = read_i32("a call count");
    const int32_t nval = read_i32("a value count");
    HFCPP_CHECK(nval > 0 && pos + 4 * static_cast<size_t>(nval) <= bytes.size(), ErrorCode::Format,
                "[imatrix] '{}': entry '{}' has {} values at byte {}, exceeding the file", path, name, nval, pos);
    ImatrixEntry& entry = out.entries[name];
    entry.sums.resize(static_cast<size_t>(nval));
    std::memcpy(entry.sums.data(), bytes.data() + pos, 4 * entry.sums.size());
    pos += 4 * entry.sums.size();
    entry.counts = {ncall};
  }
  // The trailer (chunk count, dataset) is optional; a partial one is ignored as llama.cpp does.
  if (pos + 4 <= bytes.size()) {
    out.chunk_count = read_i32("the chunk count");
    if (pos + 4 <= bytes.size()) {
      const int32_t len = read_i32("the dataset length");
      if (len > 0 && pos + static_cast<size_t>(len) <= bytes.size()) {
        std::string dataset(reinterpret_cast<const char*>(bytes.data() + pos), static_cast<size_t>(len));
        dataset.resize(std::strlen(dataset.c_str()));
        out.datasets.push_back(std::move(dataset));
      }
    }
  }
  return out;
}

float f32_at(std::span<const std::byte> bytes, uint64_t i) {
  float v;
  std::memcpy(&v, bytes.data() + 4 * i, 4);
  return v;
}

ImatrixFile read_gguf(const std::string& path) {
  const GgufFile file = GgufFile::open(path);
  ImatrixFile out;
  HFCPP_CHECK(!file.tensors().empty(), ErrorCode::Format, "[imatrix] '{}': a GGUF imatrix without tensors", path);
  const GgufValue* datasets = file.find(kImatrixDatasetsKey);
  if (datasets != nullptr && datasets->is_array() && datasets->element_type() == GgufValueType::String)
    out.datasets = datasets->as_string_vector();
  const GgufValue* chunk_count = file.find(kImatrixChunkCountKey);
  const GgufValue* chunk_size = file.find(kImatrixChunkSizeKey);
  out.has_metadata = datasets != nullptr && chunk_count != nullptr && chunk_size != nullptr;
  auto u32_of = [&](const GgufValue* v, const char* key) -> int32_t {
    if (v == nullptr) return 0;
    HFCPP_CHECK(v->is_integer(), ErrorCode::Format, "[imatrix] '{}': {} has type {}, expected UINT32", path, key,
                gguf_value_type_name(v->type()));
    return static_cast<int32_t>(static_cast<uint32_t>(v->bits()));
  };
  out.chunk_count = u32_of(chunk_count, kImatrixChunkCountKey);
  out.chunk_size = u32_of(chunk_size, kImatrixChunkSizeKey);

  static constexpr std::string_view kSums = ".in_sum2", kCounts = ".counts";
  std::map<std::string, std::pair<const GgufTensorInfo*, const GgufTensorInfo*>> pairs;
  for (const auto& info : file.tensors()) {
    const std::string_view n = info.name;
    if (ends_with(n, kSums)) pairs[std::string(n.substr(0, n.size() - kSums.size()))].first = &info;
    else if (ends_with(n, kCounts)) pairs[std::string(n.substr(0, n.size() - kCounts.size()))].second = &info;
  }
  for (const auto& [name, p] : pairs) {
    const auto [sums, counts] = p;
    HFCPP_CHECK(sums != nullptr && counts != nullptr, ErrorCode::Format,
                "[imatrix] '{}': '{}' has {} but no {}", path, name, sums ? kSums : kCounts, sums ? kCounts : kSums);
    HFCPP_CHECK(sums->type == quant::GgmlType::F32 && counts->type == quant::GgmlType::F32, ErrorCode::Format,
                "[imatrix] '{}': '{}' sums and counts are {} and {}, expected F32", path, name, sums->type_name(),
                counts->type_name());
    const uint64_t n_sums = sums->numel(), n_counts = counts->numel();
    HFCPP_CHECK(n_counts > 0 && n_sums % n_counts == 0, ErrorCode::Format,
                "[imatrix] '{}': '{}' has {} sums for {} counts, expected a whole row per count", path, name, n_sums,
                n_counts);
    ImatrixEntry& e = out.entries[name];
    const auto sum_bytes = file.tensor_bytes(sums->name);
    const auto count_bytes = file.tensor_bytes(counts->name);
    e.sums.resize(n_sums);
    for (uint64_t i = 0; i < n_sums; ++i) e.sums[i] = f32_at(sum_bytes, i);
    e.counts.resize(n_counts);
    for (uint64_t i = 0; i < n_counts; ++i) e.counts[i] = std::lround(f32_at(count_bytes, i));
  }
  HFCPP_CHECK(!out.entries.empty(), ErrorCode::Format, "[imatrix] '{}': a GGUF without any *.in_sum2 tensor", path);
  return out;
}

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

std::span<const std::byte> as_bytes(const std::vector<float>& v) {
  return {reinterpret_cast<const std::byte*>(v.data()), v.size() * sizeof(float)};
}

}  // namespace

ImatrixFile read_imatrix_file(const std::string& path) {
  try {
    auto mapping = core::MappedFile::open(path);
    const auto bytes = mapping->bytes();
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), "GGUF", 4) == 0) return read_gguf(path);
    return read_legacy(path, bytes);
  } catch (Error& e) {
    throw std::move(e).with_context("reading imatrix '" + path + "'");
  }
}

ImatrixFormat parse_imatrix_format(std::string_view text) {
  if (text == "gguf") return ImatrixFormat::Gguf;
  if (text == "dat") return ImatrixFormat::Dat;
  HFCPP_THROW(ErrorCode::Usage, "[imatrix] output format '{}': expected gguf or dat", text);
}

ImatrixFormat imatrix_format_for_path(const std::string& path) {
  return ends_with(path, ".dat") ? ImatrixFormat::Dat : ImatrixFormat::Gguf;
}

ImatrixStats::ImatrixStats(int32_t chunk_size) : chunk_size_(chunk_size) {
  HFCPP_CHECK(chunk_size > 0, ErrorCode::InvalidArgument, "[imatrix] chunk size {}: expected > 0", chunk_size);
}

void ImatrixStats::merge(const ImatrixFile& file, const std::string& path) {
  for (const auto& [name, in] : file.entries) {
    ImatrixEntry& e = entries_[name];
    if (file.is_legacy) {
      // Legacy values are sum / count * ncall: back to raw sums over ncall chunks of chunk_size tokens.
      if (e.sums.empty()) {
        e.sums.assign(in.sums.size(), 0.0f);
        e.counts.resize(1, 0);
      }
      HFCPP_CHECK(e.sums.size() == in.sums.size(), ErrorCode::InvalidArgument,
                  "[imatrix] '{}': '{}' has {} values, expected {} as in the files merged before", path, name,
                  in.sums.size(), e.sums.size());
      for (size_t j = 0; j < in.sums.size(); ++j) e.sums[j] += in.sums[j] * static_cast<float>(chunk_size_);
      for (auto& c : e.counts) c += in.counts[0] * chunk_size_;
      continue;
    }
    if (e.sums.empty()) e.sums.assign(in.sums.size(), 0.0f);
    HFCPP_CHECK(e.sums.size() == in.sums.size(), ErrorCode::InvalidArgument,
                "[imatrix] '{}': '{}' has {} sums, expected {} as in the files merged before", path, name,
                in.sums.size(), e.sums.size());
    if (e.counts.empty()) e.counts.assign(in.counts.size(), 0);
    else if (e.counts.size() == 1 && in.counts.size() > 1) e.counts.resize(in.counts.size(), e.counts[0]);
    HFCPP_CHECK(e.counts.size() == in.counts.size(), ErrorCode::InvalidArgument,
                "[imatrix] '{}': '{}' has {} counts, expected {} as in the files merged before", path, name,
                in.counts.size(), e.counts.size());
    for (size_t j = 0; j < in.sums.size(); ++j) e.sums[j] += in.sums[j];
    for (size_t j = 0; j < in.counts.size(); ++j) e.counts[j] += in.counts[j];
  }
  merged_datasets_.insert(merged_datasets_.end(), file.datasets.begin(), file.datasets.end());
}

void ImatrixStats::accumulate(const std::string& weight, const float* x, int64_t rows, int64_t cols) {
  ImatrixEntry& e = entries_[weight];
  // One count per dense weight (a merged file may carry equal per-matrix counts).
  if (e.counts.size() > 1 && std::all_of(e.counts.begin(), e.counts.end(), [&](int64_t c) { return c == e.counts[0]; }))
    e.counts.erase(e.counts.begin() + 1, e.counts.end());
  if (e.sums.empty()) {
    e.sums.assign(static_cast<size_t>(cols), 0.0f);
    e.counts.resize(1, 0);
  }
  HFCPP_CHECK(e.sums.size() == static_cast<size_t>(cols), ErrorCode::InvalidArgument,
              "[imatrix] '{}': inputs of {} columns, expected {}", weight, cols, e.sums.size());
  float* acc = e.sums.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    for (int64_t j = 0; j < cols; ++j) acc[j] += xr[j] * xr[j];
  }
  for (int64_t j = 0; j < cols; ++j)
    HFCPP_CHECK(std::isfinite(acc[j]), ErrorCode::Format, "[imatrix] '{}': non-finite sum of squared inputs at column {}",
                weight, j);
  for (auto& c : e.counts) c += rows;
}

std::vector<std::string> ImatrixStats::datasets() const {
  std::vector<std::string> out = merged_datasets_;
  if (!dataset_.empty()) out.push_back(dataset_);
  return out;
}

int32_t ImatrixStats::chunk_count() const {
  int64_t max_count = 0;
  for (const auto& [name, e] : entries_)
    for (int64_t c : e.counts) max_count = std::max(max_count, c);
  return static_cast<int32_t>(max_count / chunk_size_);
}

std::string ImatrixStats::gguf_bytes() const {
  GgufWriter w;
  w.set("general.type", GgufValue::string("imatrix"));
  w.set(kImatrixDatasetsKey, GgufValue::string_array(datasets()));
  w.set(kImatrixChunkCountKey, GgufValue::u32(static_cast<uint32_t>(chunk_count())));
  w.set(kImatrixChunkSizeKey, GgufValue::u32(static_cast<uint32_t>(chunk_size_)));
  for (const auto& [name, e] : entries_) {  // std::map: sorted by name, as llama.cpp sorts
    const int64_t n_val = static_cast<int64_t>(e.sums.size()), n_mat = static_cast<int64_t>(e.counts.size());
    if (n_val == 0 || n_mat == 0) continue;
    std::vector<float> counts(e.counts.begin(), e.counts.end());
    // ggml writes n_dims without trailing 1s: [n_cols] and [1] for a dense weight.
    const tensor::Shape sums_shape = n_mat > 1 ? tensor::Shape{n_mat, n_val / n_mat} : tensor::Shape{n_val};
    const tensor::Shape counts_shape = n_mat > 1 ? tensor::Shape{n_mat, 1} : tensor::Shape{1};
    w.add_raw_tensor(name + ".in_sum2", quant::GgmlType::F32, sums_shape, as_bytes(e.sums));
    w.add_raw_tensor(name + ".counts", quant::GgmlType::F32, counts_shape, as_bytes(counts));
  }
  return w.serialize();
}

std::string ImatrixStats::legacy_bytes() const {
  std::vector<const std::pair<const std::string, ImatrixEntry>*> stored;
  for (const auto& kv : entries_) {
    const auto& counts = kv.second.counts;
    if (counts.empty() || std::all_of(counts.begin(), counts.end(), [](int64_t c) { return c == 0; })) continue;
    stored.push_back(&kv);
  }
  std::string out;
  put<int32_t>(out, static_cast<int32_t>(stored.size()));
  for (const auto* kv : stored) {
    const std::string& name = kv->first;
    const ImatrixEntry& e = kv->second;
    put<int32_t>(out, static_cast<int32_t>(name.size()));
    out.append(name);
    const int64_t max_count = *std::max_element(e.counts.begin(), e.counts.end());
    const auto ncall = static_cast<int32_t>((max_count + (chunk_size_ - 1)) / chunk_size_);  // never 0 with data
    put<int32_t>(out, ncall);
    const auto n_val = static_cast<int32_t>(e.sums.size()), n_mat = static_cast<int32_t>(e.counts.size());
    put<int32_t>(out, n_val);
    for (int32_t i = 0; n_mat > 0 && i < n_val; ++i) {
      float count = static_cast<float>(e.counts[static_cast<size_t>(i / (n_val / n_mat))]);
      float value = e.sums[static_cast<size_t>(i)];
      if (count == 0.0f) value = count = 1.0f;  // a matrix without data (MoE experts never routed)
      put<float>(out, (value / count) * static_cast<float>(ncall));
    }
  }
  put<int32_t>(out, chunk_count());
  // This run's text file, else the last dataset of the merged files.
  const std::string dataset = !dataset_.empty() ? dataset_ : merged_datasets_.empty() ? "" : merged_datasets_.back();
  put<int32_t>(out, static_cast<int32_t>(dataset.size()));
  out.append(dataset);
  return out;
}

void ImatrixStats::write(const std::string& path, ImatrixFormat format) const {
  const std::string bytes = format == ImatrixFormat::Gguf ? gguf_bytes() : legacy_bytes();
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  HFCPP_CHECK(f != nullptr, ErrorCode::Io, "[imatrix] cannot create '{}': {}", tmp, std::strerror(errno));
  const bool written = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(tmp.c_str());
    HFCPP_THROW(ErrorCode::Io, "[imatrix] writing '{}' failed: {}", tmp, std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  HFCPP_CHECK(!ec, ErrorCode::Io, "[imatrix] renaming '{}' to '{}' failed: {}", tmp, path, ec.message());
}

}  // namespace hfcpp::formats
