// safetensors reader/writer: round trips for every dtype, zero-copy borrowing, conversion, the
// reference's byte layout, every kind of malformed file (code + message), sharded sets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/formats/sharded_safetensors.h"

using namespace hfcpp;
using namespace hfcpp::formats;
using tensor::DType;
using tensor::Tensor;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("hfcpp_st_{}_{}", name, ::getpid());
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string write_bytes(const fs::path& p, std::string_view bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p.string();
}

// A file image: u64 length, the header text as given (no padding), then data.
std::string image(std::string_view header, std::string_view data = "") {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + std::string(header) + std::string(data);
}

Tensor iota(const tensor::Shape& shape, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  auto* p = static_cast<uint8_t*>(t.raw_mutable_data());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<uint8_t>(i * 37 + 11);
  if (dtype == DType::Bool)
    for (size_t i = 0; i < t.nbytes(); ++i) p[i] &= 1;
  return t;
}

std::string bytes_of(const Tensor& t) {
  Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.raw_data()), c.nbytes());
}

std::string bytes_of(std::span<const std::byte> s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

}  // namespace

TEST(Safetensors, RoundTripEveryDType) {
  fs::path dir = temp_dir("roundtrip");
  NamedTensors tensors;
  for (int i = 0; i < tensor::kNumDTypes; ++i) {
    auto dt = static_cast<DType>(i);
    tensors.emplace_back(fmt::format("t.{}", tensor::dtype_name(dt)), iota({3, 5}, dt));
  }
  tensors.emplace_back("scalar", iota({}, DType::F32));
  tensors.emplace_back("empty", iota({0, 4}, DType::BF16));
  std::string path = (dir / "all.safetensors").string();
  save_safetensors(tensors, path, SafetensorsMetadata{{"format", "pt"}, {"note", "é\n\"x\""}});

  auto file = SafetensorsFile::open(path);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  EXPECT_TRUE(file.has_metadata());
  EXPECT_EQ(file.metadata().at("note"), "é\n\"x\"");
  for (const auto& [name, t] : tensors) {
    const auto& info = file.info(name);
    EXPECT_EQ(info.dtype, t.dtype()) << name;
    EXPECT_EQ(info.dtype_name, tensor::dtype_name(t.dtype()));
    EXPECT_EQ(info.shape, t.shape()) << name;
    Tensor back = file.tensor(name);
    EXPECT_EQ(bytes_of(back), bytes_of(t)) << name;
    EXPECT_EQ(bytes_of(file.tensor_bytes(name)), bytes_of(t)) << name;
  }
  // names() is sorted bytewise, as Python's keys().
  auto names = file.names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(serialize_safetensors(tensors, SafetensorsMetadata{{"format", "pt"}, {"note", "é\n\"x\""}}),
            hfcpp::core::read_file(path));
  fs::remove_all(dir);
}

TEST(Safetensors, ZeroCopyBorrowKeepsMappingAlive) {
  fs::path dir = temp_dir("borrow");
  std::string path = (dir / "w.safetensors").string();
  Tensor w = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  save_safetensors(NamedTensors{{"w", w}, {"b", iota({7}, DType::U8)}}, path);
  Tensor borrowed;
  const std::byte* map_begin = nullptr;
  size_t map_size = 0;
  {
    auto file = SafetensorsFile::open(path);
    borrowed = file.tensor("w");
    map_begin = file.mapping()->data();
    map_size = file.mapping()->size();
  }  // the reader is gone; the tensor holds the mapping
  ASSERT_TRUE(borrowed.is_borrowed());
  auto* p = static_cast<const std::byte*>(borrowed.raw_data());
  EXPECT_GE(p, map_begin);
  EXPECT_LE(p + borrowed.nbytes(), map_begin + map_size);
  EXPECT_EQ(borrowed.storage()->mapped_file()->data(), map_begin);
  EXPECT_EQ(borrowed.to_float_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_THROW(borrowed.raw_mutable_data(), Error);
  fs::remove_all(dir);
}

TEST(Safetensors, UnalignedDataIsCopied) {
  fs::path dir = temp_dir("unaligned");
  // Header of 61 bytes (not padded): data starts at 69, so the F32 tensor is misaligned.
  std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header += std::string(61 - header.size(), ' ');
  float values[2] = {1.5f, -2.25f};
  std::string path = write_bytes(dir / "u.safetensors", image(header, std::string_view(reinterpret_cast<char*>(values), 8)));
  auto file = SafetensorsFile::open(path);
  Tensor t = file.tensor("x");
  EXPECT_FALSE(t.is_borrowed());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 4, 0u);
  EXPECT_EQ(t.to_float_vector(), (std::vector<float>{1.5f, -2.25f}));
  fs::remove_all(dir);
}

TEST(Safetensors, ConversionOnRequest) {
  fs::path dir = temp_dir("convert");
  std::string path = (dir / "c.safetensors").string();
  save_safetensors(NamedTensors{{"x", Tensor::from_vector({1.0f, 0.5f, -3.0f, 65504.0f}, {4})}}, path);
  auto file = SafetensorsFile::open(path);
  Tensor h = file.tensor("x", DType::F16);
  EXPECT_EQ(h.dtype(), DType::F16);
  EXPECT_FALSE(h.is_borrowed());
  EXPECT_EQ(h.to_float_vector(), (std::vector<float>{1.0f, 0.5f, -3.0f, 65504.0f}));
  Tensor i = file.tensor("x", DType::I32);
  EXPECT_EQ(i.item({2}), -3.0);
  EXPECT_TRUE(file.tensor("x", DType::F32).is_borrowed());
  fs::remove_all(dir);
}

TEST(Safetensors, WriterMatchesReferenceLayout) {
  // Bytes the Python library (0.8.0) writes for {"x": np.zeros(1, float32)}.
  std::string expected = image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  )",
                               std::string(4, '\0'));
  EXPECT_EQ(serialize_safetensors({{"x", Tensor::zeros({1}, DType::F32)}}), expected);
  // Order: dtype descending in the reference's enum order (U64 > I64 > F64 > F32 > I32 > BF16 >
  // F16 > U16 > I16 > I8 > U8 > BOOL), then name; metadata first, even if empty.
  NamedTensors t = {{"b", Tensor::zeros({2}, DType::U8)},  {"a", Tensor::zeros({1}, DType::F32)},
                    {"h", Tensor::zeros({1}, DType::U16)}, {"f", Tensor::zeros({1}, DType::F16)},
                    {"d", Tensor::zeros({1}, DType::U64)}, {"B", Tensor::zeros({1}, DType::Bool)}};
  std::string bytes = serialize_safetensors(t, SafetensorsMetadata{});
  std::string header = bytes.substr(8, bytes.size() - 8 - 8 - 4 - 2 - 2 - 2 - 1);
  EXPECT_EQ(header.find(R"({"__metadata__":{},"d":{"dtype":"U64","shape":[1],"data_offsets":[0,8]},"a":)"), 0u) << header;
  EXPECT_LT(header.find("\"f\""), header.find("\"h\""));
  EXPECT_LT(header.find("\"h\""), header.find("\"b\""));
  EXPECT_LT(header.find("\"b\""), header.find("\"B\""));
  EXPECT_EQ((bytes.size() - 8 - 19) % 8, 0u) << "header padded to 8 bytes";
  EXPECT_THROW(serialize_safetensors({{"a", Tensor::zeros({1}, DType::F32)}, {"a", Tensor::zeros({1}, DType::F32)}}), Error);
}

TEST(Safetensors, DTypesHfcppLacksAreListedNotComputed) {
  auto bytes = image(R"({"e":{"dtype":"F8_E8M0","shape":[2],"data_offsets":[0,2]},"f":{"dtype":"F4","shape":[4],"data_offsets":[2,4]}})", "abcd");
  fs::path dir = temp_dir("raw");
  auto file = SafetensorsFile::open(write_bytes(dir / "r.safetensors", bytes));
  EXPECT_EQ(file.info("e").dtype_name, "F8_E8M0");
  EXPECT_FALSE(file.info("e").dtype.has_value());
  EXPECT_EQ(file.info("f").dtype_bits, 4u);
  EXPECT_EQ(bytes_of(file.tensor_bytes("f")), "cd");
  try {
    file.tensor("e");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("F8_E8M0"), std::string::npos);
  }
  fs::remove_all(dir);
}

struct BadCase {
  const char* label;
  std::string bytes;
  const char* message;
};

TEST(Safetensors, MalformedFilesGiveFormatErrors) {
  const std::string ok_tensor = R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]})";
  std::string huge_len(8, '\xff');
  std::string len_past_end = image("{}");
  len_past_end[0] = 100;
  const std::vector<BadCase> cases = {
      {"empty file", "", "too small for the 8-byte header length"},
      {"truncated length", std::string("\x02\x00", 2), "too small"},
      {"huge header length", huge_len + "{}", "exceeds the 100000000-byte limit"},
      {"header past end", len_past_end, "runs past the end"},
      {"invalid utf8", image("{\"a\xff\":{}}"), "not valid UTF-8"},
      {"overlong utf8", image("{\"\xc0\x80\":{}}"), "not valid UTF-8"},
      {"invalid json", image("{\"a\":"), "not valid JSON"},
      {"trailing json", image("{}x"), "not valid JSON"},
      {"empty header", image(""), "not valid JSON"},
      {"not an object", image("[]"), "expected a JSON object"},
      {"tensor not object", image(R"({"a":1})"), "tensor 'a' (expected an object)"},
      {"unknown dtype", image(R"({"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", "abcd"), "unknown dtype 'F33'"},
      {"negative dim", image(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "a"), "negative number -1"},
      {"float dim", image(R"({"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}})", "a"), "expected a non-negative integer"},
      {"dim beyond u64", image(R"({"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,1]}})", "a"), "expected a non-negative integer"},
      {"shape overflow", image(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,1]}})", "a"), "overflows a 64-bit element count"},
      {"bytes overflow", image(R"({"a":{"dtype":"U64","shape":[4611686018427387904],"data_offsets":[0,1]}})", "a"), "overflows a 64-bit byte count"},
      {"missing field", image(R"({"a":{"dtype":"U8","data_offsets":[0,1]}})", "a"), "missing field 'shape'"},
      {"duplicate field", image(R"({"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "a"), "appears twice"},
      {"duplicate tensor", image("{" + ok_tensor + "," + ok_tensor + "}", "ab"), "lists tensor 'a' twice"},
      {"three offsets", image(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})", "a"), "more than 2 entries"},
      {"one offset", image(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}})", "a"), "expected 2"},
      {"metadata not strings", image(R"({"__metadata__":{"k":1}})"), "expected a string value"},
      {"size mismatch", image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"), "hold 4 bytes, but shape [2] of F32 needs 8"},
      {"hole", image(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "ab"), "leave a hole"},
      {"overlap", image(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "ab"), "overlap tensor 'a'"},
      {"end before begin", image(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}})", "a"), "end before they begin"},
      {"out of bounds", image("{" + ok_tensor + "}", "a"), "exceed the 1-byte data section"},
      {"trailing bytes", image("{" + ok_tensor + "}", "abc"), "1 bytes after the last tensor"},
      {"sub-byte slice", image(R"({"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", "ab"), "not a whole number of bytes"},
      {"deep nesting", image(R"({"a":{"x":)" + std::string(200, '[') + std::string(200, ']') + "}}"), "nests deeper"},
  };
  fs::path dir = temp_dir("bad");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    try {
      parse_safetensors_header(std::as_bytes(std::span(c.bytes.data(), c.bytes.size())));
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Format) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    }
    // Through a file: same error, with the path as context.
    std::string path = write_bytes(dir / "bad.safetensors", c.bytes);
    try {
      SafetensorsFile::open(path);
      ADD_FAILURE() << "accepted from file";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos) << e.what();
    }
  }
  fs::remove_all(dir);
}

TEST(Safetensors, AcceptsWhatTheReferenceAccepts) {
  // Leading/trailing whitespace, unknown fields (ignored), unsorted offsets, zero-size tensors
  // sharing an offset, null metadata, an empty header.
  const std::vector<std::string> good = {
      image(R"( {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1,{}]}}}  )", "a"),
      image(R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "ab"),
      image(R"({"z":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"y":{"dtype":"I32","shape":[0,3],"data_offsets":[0,0]}})"),
      image(R"({"__metadata__":null})"),
      image("{}"),
      image(R"({"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}})"),
  };
  for (const auto& bytes : good)
    EXPECT_NO_THROW(parse_safetensors_header(std::as_bytes(std::span(bytes.data(), bytes.size())))) << bytes.substr(8);
}

TEST(Safetensors, ShardedWriteAndRead) {
  fs::path dir = temp_dir("sharded");
  NamedTensors tensors = {{"layer.0.w", iota({10, 10}, DType::F32)},  // 400 B
                          {"layer.0.b", iota({10}, DType::F32)},      // 40 B
                          {"embed", iota({300}, DType::F32)},         // 1200 B > max: own shard
                          {"layer.1.w", iota({10, 10}, DType::F32)},
                          {"layer.1.b", iota({10}, DType::BF16)}};
  auto result = save_safetensors_sharded(tensors, dir.string(), 500);
  // As huggingface_hub splits: [w0, b0], [embed] (own shard, appended first), then [w1, b1].
  ASSERT_EQ(result.files.size(), 3u);
  EXPECT_EQ(result.files[0], "model-00001-of-00003.safetensors");
  EXPECT_EQ(result.index_file, "model.safetensors.index.json");
  EXPECT_EQ(result.total_size, 400u + 40 + 1200 + 400 + 20);
  auto index = core::parse_json(core::read_file((dir / result.index_file).string()), "index");
  EXPECT_EQ(index["metadata"]["total_size"], 2060);
  EXPECT_EQ(index["weight_map"]["embed"], "model-00001-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["layer.0.w"], "model-00002-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["layer.1.b"], "model-00003-of-00003.safetensors");

  for (const std::string& open_path : {dir.string(), (dir / result.index_file).string()}) {
    auto ckpt = ShardedSafetensors::open(open_path);
    EXPECT_EQ(ckpt.size(), tensors.size());
    EXPECT_EQ(ckpt.shards().size(), 3u);
    EXPECT_EQ(ckpt.metadata().at("format"), "pt");
    EXPECT_EQ(ckpt.index_metadata()["total_size"], 2060);
    for (const auto& [name, t] : tensors) EXPECT_EQ(bytes_of(ckpt.tensor(name)), bytes_of(t)) << name;
    EXPECT_THROW(ckpt.tensor("missing"), Error);
  }
  // One shard: model.safetensors, no index.
  fs::path single = dir / "single";
  auto one = save_safetensors_sharded(tensors, single.string(), 1'000'000);
  EXPECT_EQ(one.files, std::vector<std::string>{"model.safetensors"});
  EXPECT_TRUE(one.index_file.empty());
  EXPECT_EQ(ShardedSafetensors::open(single.string()).size(), tensors.size());
  fs::remove_all(dir);
}

TEST(Safetensors, BadIndexes) {
  fs::path dir = temp_dir("badindex");
  save_safetensors(NamedTensors{{"a", iota({2}, DType::F32)}}, (dir / "s1.safetensors").string());
  auto expect_error = [&](const std::string& json, ErrorCode code, const char* text) {
    std::string path = write_bytes(dir / "model.safetensors.index.json", json);
    try {
      ShardedSafetensors::open(path);
      ADD_FAILURE() << json;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"weight_map":{"b":"s1.safetensors"}})", ErrorCode::Format, "does not contain it");
  expect_error(R"({"weight_map":{"a":"missing.safetensors"}})", ErrorCode::NotFound, "missing.safetensors");
  expect_error(R"({"weight_map":{"a":"../s1.safetensors"}})", ErrorCode::Format, "inside the index's folder");
  expect_error(R"({"weight_map":{"a":7}})", ErrorCode::Format, "must be a file name");
  expect_error(R"({"metadata":{}})", ErrorCode::Format, "weight_map");
  expect_error(R"({"weight_map":)", ErrorCode::Format, "index");
  EXPECT_THROW(ShardedSafetensors::open((dir / "nothing_here").string()), Error);
  fs::path empty = dir / "empty_folder";
  fs::create_directories(empty);
  try {
    ShardedSafetensors::open(empty.string());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos);
  }
  fs::remove_all(dir);
}
