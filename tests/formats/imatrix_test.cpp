// llama.cpp's imatrix files: write -> read round trips of both formats, the legacy golden written
// by scripts/golden/make_imatrix_legacy.py, llama-imatrix's merge rules, statistics, bad input.
#include "hfcpp/formats/imatrix.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/formats/gguf_quantize.h"
#include "temp_path.h"

namespace {

namespace fs = std::filesystem;
using namespace hfcpp;
using namespace hfcpp::formats;

const fs::path kGolden = fs::path(HFCPP_SOURCE_DIR) / "tests/golden/formats";

std::string write_bytes(const std::string& stem, const std::string& bytes) {
  const std::string path = hfcpp::testing::unique_temp_path(stem);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Two dense weights collected over 3 chunks of 8 tokens, plus a 2-expert entry merged from a file.
ImatrixStats sample_stats() {
  ImatrixStats s(8);
  std::vector<float> x(24 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  for (int chunk = 0; chunk < 3; ++chunk) {
    s.accumulate("blk.0.attn_q.weight", x.data() + chunk * 40, 8, 5);
    s.accumulate("blk.1.ffn_down.weight", x.data() + chunk * 40, 4, 10);
  }
  ImatrixFile experts;
  experts.entries["blk.0.ffn_up_exps.weight"] = {{1, 2, 3, 4, 5, 6}, {16, 0}};
  experts.datasets = {"older.txt"};
  s.merge(experts, "experts.gguf");
  s.set_dataset("calibration.txt");
  return s;
}

TEST(Imatrix, GgufRoundTripIsExact) {
  const ImatrixStats s = sample_stats();
  const std::string path = hfcpp::testing::unique_temp_path("imatrix.gguf");
  s.write(path, ImatrixFormat::Gguf);
  const ImatrixFile f = read_imatrix_file(path);
  EXPECT_FALSE(f.is_legacy);
  EXPECT_TRUE(f.has_metadata);
  EXPECT_EQ(f.chunk_size, 8);
  EXPECT_EQ(f.chunk_count, 3);  // max count 24 / 8
  EXPECT_EQ(f.datasets, (std::vector<std::string>{"older.txt", "calibration.txt"}));
  ASSERT_EQ(f.entries.size(), s.entries().size());
  for (const auto& [name, e] : s.entries()) {
    EXPECT_EQ(f.entries.at(name).sums, e.sums) << name;  // bit-exact floats
    EXPECT_EQ(f.entries.at(name).counts, e.counts) << name;
  }
  EXPECT_EQ(f.entries.at("blk.0.attn_q.weight").counts, std::vector<int64_t>{24});
  // ggml drops trailing 1-dims: a dense weight's in_sum2 is 1-d, its counts [1]; experts 2-d.
  const GgufFile g = GgufFile::open(path);
  EXPECT_EQ(g.get_string("general.type"), "imatrix");
  EXPECT_EQ(g.tensor_info("blk.0.attn_q.weight.in_sum2").ne, (std::vector<uint64_t>{5}));
  EXPECT_EQ(g.tensor_info("blk.0.attn_q.weight.counts").ne, (std::vector<uint64_t>{1}));
  EXPECT_EQ(g.tensor_info("blk.0.ffn_up_exps.weight.in_sum2").ne, (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(g.tensor_info("blk.0.ffn_up_exps.weight.counts").ne, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(g.tensors()[0].name, "blk.0.attn_q.weight.in_sum2");  // sorted by weight name
  EXPECT_EQ(g.tensors()[1].name, "blk.0.attn_q.weight.counts");
  fs::remove(path);
}

TEST(Imatrix, LegacyRoundTripKeepsWhatTheFormatHolds) {
  const ImatrixStats s = sample_stats();
  const std::string path = hfcpp::testing::unique_temp_path("imatrix.dat");
  s.write(path, ImatrixFormat::Dat);
  const ImatrixFile f = read_imatrix_file(path);
  EXPECT_TRUE(f.is_legacy);
  EXPECT_EQ(f.chunk_count, 3);
  EXPECT_EQ(f.datasets, std::vector<std::string>{"calibration.txt"});
  const auto& q = f.entries.at("blk.0.attn_q.weight");
  EXPECT_EQ(q.counts, std::vector<int64_t>{3});  // ncall = ceil(24 / 8)
  const auto& qs = s.entries().at("blk.0.attn_q.weight");
  for (size_t i = 0; i < qs.sums.size(); ++i) EXPECT_EQ(q.sums[i], qs.sums[i] / 24.0f * 3.0f) << i;
  // An expert without tokens is stored as 1 per column (times ncall), as llama.cpp does.
  const auto& x = f.entries.at("blk.0.ffn_up_exps.weight");
  EXPECT_EQ(x.counts, std::vector<int64_t>{2});  // ceil(16 / 8)
  EXPECT_EQ(x.sums, (std::vector<float>{1.0f / 16 * 2, 2.0f / 16 * 2, 3.0f / 16 * 2, 2, 2, 2}));
  // Merging the file (values * chunk_size) and writing it again gives the same values.
  ImatrixStats again(8);
  again.merge(f, path);
  const std::string again_path = write_bytes("again.dat", again.legacy_bytes());
  const ImatrixFile f2 = read_imatrix_file(again_path);
  const auto& q2 = f2.entries.at("blk.0.attn_q.weight");
  for (size_t i = 0; i < q.sums.size(); ++i) EXPECT_FLOAT_EQ(q2.sums[i], q.sums[i]) << i;
  fs::remove(again_path);
  fs::remove(path);
}

TEST(Imatrix, ReadsTheLegacyGoldenAndConvertsItToGguf) {
  std::ifstream in(kGolden / "imatrix_legacy.expected.json");
  std::stringstream text;
  text << in.rdbuf();
  const core::Json expected = core::parse_json(text.str(), "imatrix_legacy.expected.json");
  const std::string dat = (kGolden / "imatrix_legacy.dat").string();
  const ImatrixFile f = read_imatrix_file(dat);
  EXPECT_TRUE(f.is_legacy);
  EXPECT_EQ(f.chunk_count, expected["chunk_count"].get<int>());
  EXPECT_EQ(f.datasets, std::vector<std::string>{expected["dataset"].get<std::string>()});
  ASSERT_EQ(f.entries.size(), expected["entries"].size());
  for (const auto& e : expected["entries"]) {
    const auto& got = f.entries.at(e["name"].get<std::string>());
    EXPECT_EQ(got.counts, std::vector<int64_t>{e["ncall"].get<int64_t>()});
    std::vector<uint32_t> bits;
    for (float v : got.sums) bits.push_back(std::bit_cast<uint32_t>(v));
    EXPECT_EQ(bits, e["bits"].get<std::vector<uint32_t>>());
  }
  // llama-imatrix --in-file x.dat -o x.gguf (--ctx 512): sums * 512, counts ncall * 512, the
  // legacy dataset carried over, chunk_count = max count / 512.
  ImatrixStats s(512);
  s.merge(f, dat);
  const std::string gguf = hfcpp::testing::unique_temp_path("converted.gguf");
  s.write(gguf, ImatrixFormat::Gguf);
  const ImatrixFile g = read_imatrix_file(gguf);
  EXPECT_EQ(g.chunk_count, 3);
  EXPECT_EQ(g.chunk_size, 512);
  EXPECT_EQ(g.datasets, f.datasets);
  for (const auto& [name, e] : f.entries) {
    EXPECT_EQ(g.entries.at(name).counts, std::vector<int64_t>{e.counts[0] * 512});
    for (size_t i = 0; i < e.sums.size(); ++i) EXPECT_EQ(g.entries.at(name).sums[i], e.sums[i] * 512.0f);
  }
  // Quantize sees the same averages from both files.
  const ImportanceMatrix a = load_imatrix(dat), b = load_imatrix(gguf);
  for (const auto& [name, v] : a)
    for (size_t i = 0; i < v.size(); ++i) EXPECT_FLOAT_EQ(b.at(name)[i], v[i]) << name << " " << i;
  fs::remove(gguf);
}

TEST(Imatrix, MergeAddsAndChecksSizes) {
  ImatrixStats s(4);
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  s.accumulate("blk.0.attn_k.weight", x.data(), 2, 3);
  ImatrixFile f;
  f.entries["blk.0.attn_k.weight"] = {{10, 20, 30}, {6}};
  s.merge(f, "a.gguf");
  EXPECT_EQ(s.entries().at("blk.0.attn_k.weight").sums, (std::vector<float>{1 + 16 + 10, 4 + 25 + 20, 9 + 36 + 30}));
  EXPECT_EQ(s.entries().at("blk.0.attn_k.weight").counts, std::vector<int64_t>{8});
  EXPECT_EQ(s.chunk_count(), 2);
  f.entries["blk.0.attn_k.weight"].sums.push_back(1);
  EXPECT_THROW(s.merge(f, "b.gguf"), Error);
  EXPECT_THROW(s.accumulate("blk.0.attn_k.weight", x.data(), 3, 2), Error);
  const float inf = INFINITY;
  EXPECT_THROW(s.accumulate("blk.0.attn_v.weight", &inf, 1, 1), Error);
}

TEST(Imatrix, BadFilesAreFormatErrors) {
  auto expect_format = [](const std::string& bytes, const char* what) {
    const std::string path = write_bytes("bad.dat", bytes);
    try {
      read_imatrix_file(path);
      ADD_FAILURE() << what << ": expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Format) << what << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("[imatrix]"), std::string::npos) << e.what();
    }
    fs::remove(path);
  };
  expect_format(std::string("\x05\0\0\0", 4), "entry count beyond the file");
  expect_format(std::string("\x01\0\0\0\x40\0\0\0abc", 11) + std::string(21, '\0'), "name past the end");
  std::string truncated = std::string("\x01\0\0\0\x01\0\0\0w\x01\0\0\0\x08\0\0\0", 17) + std::string(12, '\0');
  expect_format(truncated, "values past the end");
  // A GGUF with sums but no counts.
  GgufWriter w;
  w.set("general.type", GgufValue::string("imatrix"));
  const std::vector<float> sums = {1, 2};
  w.add_raw_tensor("blk.0.attn_q.weight.in_sum2", quant::GgmlType::F32, {2},
                   {reinterpret_cast<const std::byte*>(sums.data()), 8});
  expect_format(w.serialize(), "in_sum2 without counts");
}

TEST(Imatrix, QuantizeRefusesAGgufImatrixWithoutMetadata) {
  GgufWriter w;
  const std::vector<float> sums = {1, 2}, counts = {1};
  w.add_raw_tensor("blk.0.attn_q.weight.in_sum2", quant::GgmlType::F32, {2},
                   {reinterpret_cast<const std::byte*>(sums.data()), 8});
  w.add_raw_tensor("blk.0.attn_q.weight.counts", quant::GgmlType::F32, {1},
                   {reinterpret_cast<const std::byte*>(counts.data()), 4});
  const std::string path = write_bytes("nometa.gguf", w.serialize());
  EXPECT_EQ(read_imatrix_file(path).entries.size(), 1u);
  EXPECT_THROW(load_imatrix(path), Error);
  fs::remove(path);
}

TEST(Imatrix, StatisticsFollowLlamaImatrix) {
  ImatrixStats s(4);
  // blk.0 and blk.1 attn_q with proportional sums: cosine similarity 1 for blk.1.
  std::vector<float> a = {1, 2, 3, 4}, b = {2, 4, 6, 8};
  s.accumulate("blk.0.attn_q.weight", a.data(), 1, 4);
  s.accumulate("blk.1.attn_q.weight", b.data(), 1, 4);
  s.accumulate("output.weight", a.data(), 1, 4);
  const ImatrixStatistics st = imatrix_statistics(s);
  ASSERT_EQ(st.tensors.size(), 3u);
  EXPECT_EQ(st.tensors[0].tensor, "blk.1.attn_q.weight");  // same short name: larger total first
  EXPECT_EQ(st.tensors[0].layer, "1");
  EXPECT_EQ(st.tensors[0].short_name, "attn_q");
  EXPECT_FLOAT_EQ(st.tensors[0].total, 4 + 16 + 36 + 64);
  EXPECT_FLOAT_EQ(st.tensors[0].cossim, 1.0f);
  EXPECT_FLOAT_EQ(st.tensors[1].cossim, 0.0f);  // blk.0 has no previous layer
  EXPECT_FLOAT_EQ(st.tensors[1].mean, 30.0f / 4);
  EXPECT_EQ(st.tensors[1].elements, 4);
  double entropy = 0;
  for (double v : {1.0, 4.0, 9.0, 16.0}) entropy -= v / 30 * std::log2(v / 30);
  EXPECT_NEAR(st.tensors[1].entropy, entropy, 1e-5);
  EXPECT_FLOAT_EQ(st.tensors[1].zd, 0.25f);  // only 16 is more than one deviation above the mean
  EXPECT_EQ(st.tensors[2].layer, "-");
  ASSERT_EQ(st.layers.size(), 2u);
  EXPECT_FLOAT_EQ(st.layers[1].cossim, 1.0f);
  const std::string table = format_imatrix_statistics(st, "x.gguf");
  EXPECT_NE(table.find("    1\tattn_q"), std::string::npos) << table;
}

}  // namespace
