// llama.cpp's importance-matrix files, both directions (llama-imatrix writes them, llama-quantize
// --imatrix reads them), and the statistics llama-imatrix accumulates.
//
// GGUF imatrix (llama-imatrix's default): metadata general.type = "imatrix", imatrix.datasets
// (string array), imatrix.chunk_count (u32), imatrix.chunk_size (u32); per weight, sorted by
// name, the F32 tensors <name>.in_sum2 (ne [n_cols, n_mat]: the sum over evaluated tokens of each
// input column's squared activation, per matrix/expert) and <name>.counts (ne [1, n_mat]: the
// tokens each matrix saw), trailing 1-dims dropped as ggml writes them.
//
// Legacy binary .dat: i32 n_entries; per entry i32 name_len, name, i32 ncall, i32 nval,
// f32 values[nval] where value = sum / count * ncall and ncall = ceil(max count / chunk_size);
// then i32 chunk_count, i32 dataset_len, dataset (this trailer is optional when reading).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hfcpp::formats {

inline constexpr const char* kImatrixDatasetsKey = "imatrix.datasets";
inline constexpr const char* kImatrixChunkCountKey = "imatrix.chunk_count";
inline constexpr const char* kImatrixChunkSizeKey = "imatrix.chunk_size";

// One weight: per matrix (experts of a MoE weight, else one), the column sums of squared inputs
// and the number of tokens.
struct ImatrixEntry {
  std::vector<float> sums;      // n_mat * n_cols, matrix-major
  std::vector<int64_t> counts;  // n_mat
};

// A file as stored (llama.cpp's common_imatrix): GGUF sums/counts raw; a legacy file's values
// (sum / count * ncall) with counts = {ncall}.
struct ImatrixFile {
  std::map<std::string, ImatrixEntry> entries;
  std::vector<std::string> datasets;
  int32_t chunk_count = 0;
  int32_t chunk_size = 0;     // 0 for legacy files
  bool is_legacy = false;
  bool has_metadata = false;  // GGUF: all three imatrix.* keys present
};

// Reads either format (GGUF by its magic). Throws Format naming the file and the byte offset,
// entry or tensor: truncated data, no entries, an in_sum2 without counts (or the reverse),
// non-F32 tensors, sums not a whole number of rows per count.
ImatrixFile read_imatrix_file(const std::string& path);

enum class ImatrixFormat { Gguf, Dat };
// "gguf" / "dat"; Usage error otherwise.
ImatrixFormat parse_imatrix_format(std::string_view text);
// llama-imatrix's default for an output path: dat only when asked; gguf otherwise.
ImatrixFormat imatrix_format_for_path(const std::string& path);

// llama-imatrix's collector state: statistics merged from files (--in-file) and accumulated from
// activations, written in either format. chunk_size is llama-imatrix's n_ctx / n_parallel, the
// --ctx value: legacy values are scaled by it when read and the call counts derive from it.
class ImatrixStats {
 public:
  explicit ImatrixStats(int32_t chunk_size = 512);

  int32_t chunk_size() const { return chunk_size_; }
  const std::map<std::string, ImatrixEntry>& entries() const { return entries_; }
  // Adds a file the way llama-imatrix --in-file does: legacy sums * chunk_size with counts
  // ncall * chunk_size; GGUF sums and counts as they are (a single count broadcast over experts).
  // InvalidArgument naming the weight when sizes disagree with what is already there.
  void merge(const ImatrixFile& file, const std::string& path);
  // Adds rows x [rows, cols] (f32, contiguous) of a dense weight's input: sums += x^2 per column,
  // count += rows. InvalidArgument when cols differs from earlier calls; Format on non-finite sums.
  void accumulate(const std::string& weight, const float* x, int64_t rows, int64_t cols);
  // The text file of this run (recorded after the datasets of merged files).
  void set_dataset(std::string path) { dataset_ = std::move(path); }
  // Datasets of merged files, then this run's (what the GGUF imatrix.datasets holds).
  std::vector<std::string> datasets() const;
  // max over all counts / chunk_size (llama-imatrix's m_last_chunk).
  int32_t chunk_count() const;

  // The GGUF imatrix bytes llama-imatrix writes (gguf_write_to_file) for this state.
  std::string gguf_bytes() const;
  // The legacy .dat bytes (save_imatrix_legacy); entries without data are left out.
  std::string legacy_bytes() const;
  // Writes through a temporary file and rename(). Io errors name the path.
  void write(const std::string& path, ImatrixFormat format) const;

 private:
  int32_t chunk_size_;
  std::map<std::string, ImatrixEntry> entries_;
  std::vector<std::string> merged_datasets_;
  std::string dataset_;
};

// llama-imatrix --show-statistics, computed on sum / count per column as llama.cpp does (in
// float, in the same order, so the numbers print the same).
struct ImatrixTensorStats {
  std::string tensor;           // the weight's name
  std::string layer;            // "N" from blk.N., else "-"
  std::string short_name;       // the part before ".weight" ("attn_q"), else the whole name
  float total = 0, mean = 0, max = 0, min = 0, stddev = 0;
  float active = 0;             // fraction of columns with mean squared activation > 1e-5
  int elements = 0;
  float entropy = 0;            // bits, of the normalised distribution
  float entropy_norm = 0;       // percent of log2(elements)
  float zd = 0;                 // fraction of columns with z-score > 1
  float cossim = 0;             // of the raw sums with blk.(N-1)'s same weight (0 when none)
};
struct ImatrixLayerStats {
  int layer = 0;
  float total = 0, zd = 0, cossim = 0;  // averages weighted by element counts
};
struct ImatrixStatistics {
  std::vector<ImatrixTensorStats> tensors;  // sorted by short name, then by total descending
  std::vector<ImatrixLayerStats> layers;    // by layer number
  std::vector<std::string> skipped;         // weights without any counted token
};
ImatrixStatistics imatrix_statistics(const ImatrixStats& stats);
// The two tables llama-imatrix prints, in its column layout.
std::string format_imatrix_statistics(const ImatrixStatistics& s, const std::string& file_name);

}  // namespace hfcpp::formats
