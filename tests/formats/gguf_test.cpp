// GGUF reader and writer: goldens written and read by gguf-py (scripts/golden/make_gguf_files.py),
// byte-identical writing, zero-copy plain tensors, and every kind of malformed header (code + message).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/formats/gguf.h"

using namespace hfcpp;
using namespace hfcpp::formats;
using quant::GgmlType;
namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(HFCPP_SOURCE_DIR) / "tests/golden/formats";

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string fnv1a64(std::span<const std::byte> bytes) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (std::byte b : bytes) {
    h ^= static_cast<uint8_t>(b);
    h *= 0x100000001B3ULL;
  }
  return std::to_string(h);
}

// Compares our JSON form with gguf-py's (floats numerically: both are the same double).
void expect_json_equal(const core::OrderedJson& got, const core::Json& want, const std::string& key) {
  if (want.is_number_float() || got.is_number_float()) {
    ASSERT_TRUE(got.is_number()) << key;
    EXPECT_EQ(got.get<double>(), want.get<double>()) << key;
  } else if (want.is_array()) {
    ASSERT_TRUE(got.is_array()) << key;
    ASSERT_EQ(got.size(), want.size()) << key;
    for (size_t i = 0; i < want.size(); ++i) expect_json_equal(got[i], want[i], key + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(got.dump(), want.dump()) << key;
  }
}

class GgufGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufGolden, ReaderAgreesWithGgufPy) {
  const auto expected = core::parse_json(core::read_file((kGolden / (GetParam() + ".expected.json")).string()), "expected");
  GgufFile f = GgufFile::open((kGolden / (GetParam() + ".gguf")).string());
  EXPECT_EQ(f.version(), expected["version"].get<uint32_t>());
  EXPECT_EQ(f.alignment(), expected["alignment"].get<uint32_t>());
  EXPECT_EQ(f.header().data_offset, expected["data_offset"].get<uint64_t>());
  ASSERT_EQ(f.metadata().size(), expected["metadata"].size());
  for (size_t i = 0; i < f.metadata().size(); ++i) {
    const auto& kv = f.metadata()[i];
    const auto& want = expected["metadata"][i];
    EXPECT_EQ(kv.key, want["key"].get<std::string>());
    EXPECT_STREQ(gguf_value_type_name(kv.value.type()), want["type"].get<std::string>().c_str()) << kv.key;
    if (kv.value.is_array()) {
      EXPECT_STREQ(gguf_value_type_name(kv.value.element_type()), want["element_type"].get<std::string>().c_str());
    }
    expect_json_equal(kv.value.to_json(), want["value"], kv.key);
  }
  ASSERT_EQ(f.tensors().size(), expected["tensors"].size());
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const auto& t = f.tensors()[i];
    const auto& want = expected["tensors"][i];
    EXPECT_EQ(t.name, want["name"].get<std::string>());
    EXPECT_EQ(t.type_name(), want["type"].get<std::string>()) << t.name;
    EXPECT_EQ(t.shape(), want["shape"].get<tensor::Shape>()) << t.name;
    EXPECT_EQ(t.offset, want["offset"].get<uint64_t>()) << t.name;
    EXPECT_EQ(t.nbytes, want["nbytes"].get<uint64_t>()) << t.name;
    EXPECT_EQ(fnv1a64(f.tensor_bytes(t.name)), want["fnv1a64"].get<std::string>()) << t.name;
  }
}

// What the reader found, written again, is the file gguf-py wrote.
TEST_P(GgufGolden, WriterIsByteIdenticalToGgufPy) {
  const std::string path = (kGolden / (GetParam() + ".gguf")).string();
  GgufFile f = GgufFile::open(path);
  GgufWriter w;
  for (const auto& kv : f.metadata()) w.set(kv.key, kv.value);
  for (const auto& t : f.tensors()) {
    if (t.plain_dtype()) {
      w.add_tensor(t.name, f.tensor(t.name));
    } else {
      w.add_raw_tensor(t.name, t.type, t.shape(), f.tensor_bytes(t.name));
    }
  }
  const std::string original = core::read_file(path);
  const std::string written = w.serialize();
  ASSERT_EQ(written.size(), original.size());
  EXPECT_TRUE(written == original);

  const fs::path out = fs::temp_directory_path() / fmt::format("hfcpp_gguf_{}_{}.gguf", GetParam(), ::getpid());
  w.write(out.string());
  EXPECT_TRUE(core::read_file(out.string()) == original);
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(Files, GgufGolden, ::testing::Values("values", "align64", "empty"));

TEST(Gguf, PlainTensorsBorrowTheMapping) {
  GgufFile f = GgufFile::open((kGolden / "values.gguf").string());
  tensor::Tensor t = f.tensor("plain.f32");
  EXPECT_TRUE(t.is_borrowed());
  EXPECT_EQ(t.shape(), (tensor::Shape{3, 5}));
  EXPECT_EQ(t.raw_data(), static_cast<const void*>(f.tensor_bytes("plain.f32").data()));
  EXPECT_EQ(f.tensor("plain.i8").shape(), (tensor::Shape{2, 2, 2, 3}));
  EXPECT_EQ(f.tensor("plain.bf16").dtype(), tensor::DType::BF16);
  EXPECT_EQ(f.tensor("plain.i64").dtype(), tensor::DType::I64);
  // The tensor keeps the mapping alive after the file object is gone.
  tensor::Tensor kept;
  {
    GgufFile g = GgufFile::open((kGolden / "values.gguf").string());
    kept = g.tensor("plain.f64");
  }
  EXPECT_EQ(kept.to_float_vector().size(), 7u);
}

TEST(Gguf, BlockTensorsAreSpans) {
  GgufFile f = GgufFile::open((kGolden / "values.gguf").string());
  GgufBlockTensor q = f.block_tensor("quant.q4_k");
  EXPECT_EQ(q.type, GgmlType::Q4_K);
  EXPECT_EQ(q.shape, (tensor::Shape{2, 256}));
  EXPECT_EQ(q.bytes.size(), 288u);
  try {
    f.tensor("quant.q8_0");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(e.message().find("Q8_0"), std::string::npos) << e.message();
  }
  EXPECT_THROW(f.tensor_info("nope"), Error);
}

TEST(Gguf, TypedMetadataLookups) {
  GgufFile f = GgufFile::open((kGolden / "values.gguf").string());
  EXPECT_EQ(f.architecture(), "llama");
  EXPECT_EQ(f.get_int("test.i32"), -2000000000);
  EXPECT_EQ(f.get_int("test.u8"), 200);
  EXPECT_FLOAT_EQ(static_cast<float>(*f.get_float("test.f32")), 1e-5f);
  EXPECT_EQ(f.get_bool("test.bool_true"), true);
  EXPECT_EQ(f.get_string("test.string"), "héllo wörld ✓ 🤗");
  EXPECT_EQ(f.get_string_array("test.array.strings")->at(2), "▁the");
  EXPECT_FALSE(f.get_int("absent").has_value());
  try {
    f.get_int("test.string");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format);
    EXPECT_NE(e.message().find("test.string"), std::string::npos) << e.message();
  }
  EXPECT_THROW(f.get_int("test.u64"), Error);  // 1.8e19 does not fit int64
  EXPECT_EQ(f.find("test.array.strings")->to_display(3), "[5 strings]");
  EXPECT_EQ(f.find("test.array.u8")->to_display(), "[0,1,255]");
}

TEST(Gguf, Version2Reads) {
  std::string bytes = core::read_file((kGolden / "values.gguf").string());
  bytes[4] = 2;
  GgufHeader h = parse_gguf_header(as_bytes(bytes));
  EXPECT_EQ(h.version, 2u);
  EXPECT_EQ(h.tensors.size(), 12u);
}

// ---- malformed input ----------------------------------------------------------------------------

// A tiny image builder for hand-made headers.
struct Image {
  std::string b;
  Image& u32(uint32_t v) { return raw(&v, 4); }
  Image& u64(uint64_t v) { return raw(&v, 8); }
  Image& u8(uint8_t v) { return raw(&v, 1); }
  Image& str(std::string_view s) {
    u64(s.size());
    b += s;
    return *this;
  }
  Image& raw(const void* p, size_t n) {
    b.append(static_cast<const char*>(p), n);
    return *this;
  }
  Image& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    b += "GGUF";
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  Image& pad(size_t to = 32) {
    b.resize((b.size() + to - 1) / to * to, '\0');
    return *this;
  }
};

void expect_error(std::string_view bytes, ErrorCode code, std::string_view fragment) {
  try {
    parse_gguf_header(as_bytes(bytes));
    ADD_FAILURE() << "no error; expected one containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.message();
    EXPECT_NE(e.message().find(fragment), std::string::npos) << e.message();
  }
}

TEST(GgufBadInput, TruncatedAtEveryHeaderByte) {
  const std::string bytes = core::read_file((kGolden / "values.gguf").string());
  const uint64_t data_offset = parse_gguf_header(as_bytes(bytes)).data_offset;
  for (size_t n = 0; n < data_offset; ++n) {
    try {
      parse_gguf_header(as_bytes(std::string_view(bytes).substr(0, n)));
      ADD_FAILURE() << "a " << n << "-byte prefix parsed";
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::Format) << n << ": " << e.message();
    }
  }
  // Truncated inside the data section: the last tensor runs past the end.
  expect_error(std::string_view(bytes).substr(0, bytes.size() - 1), ErrorCode::Format,
               "'quant.q4_k' (info at byte");
  expect_error(std::string_view(bytes).substr(0, 6), ErrorCode::Format, "file truncated: the version needs 4 bytes at byte 4");
}

TEST(GgufBadInput, MagicAndVersion) {
  expect_error(Image{}.raw("GGML", 4).u32(3).u64(0).u64(0).b, ErrorCode::Format, "bad magic at byte 0: got \"GGML\"");
  expect_error(Image{}.header(0, 0, 1).b, ErrorCode::Unsupported, "GGUF v1");
  expect_error(Image{}.header(0, 0, 4).b, ErrorCode::Unsupported, "version 4 at byte 4: expected 2 or 3");
  expect_error(Image{}.header(0, 0, 0x03000000).b, ErrorCode::Unsupported, "big-endian");
  EXPECT_NO_THROW(parse_gguf_header(as_bytes(Image{}.header(0, 0).b)));
}

TEST(GgufBadInput, AbsurdCountsAreRefusedBeforeAllocating) {
  expect_error(Image{}.header(0, uint64_t{1} << 60).b, ErrorCode::Format, "metadata count 1152921504606846976");
  expect_error(Image{}.header(uint64_t{1} << 62, 0).b, ErrorCode::Format, "tensor count 4611686018427387904");
  // An array claiming 2^40 strings, and a string longer than the file.
  expect_error(Image{}.header(0, 1).str("k").u32(9).u32(8).u64(uint64_t{1} << 40).b, ErrorCode::Format,
               "key 'k': array of 1099511627776 STRING");
  expect_error(Image{}.header(0, 1).str("k").u32(8).u64(1000).str("").b, ErrorCode::Format,
               "string length 1000 exceeds");
}

TEST(GgufBadInput, MetadataValues) {
  expect_error(Image{}.header(0, 1).str("k").u32(13).u64(0).b, ErrorCode::Format, "key 'k': value type 13 at byte 33");
  expect_error(Image{}.header(0, 1).str("k").u32(7).u8(2).b, ErrorCode::Format, "BOOL byte 2");
  expect_error(Image{}.header(0, 2).str("k").u32(0).u8(1).str("k").u32(0).u8(1).b, ErrorCode::Format,
               "key 'k' at byte 38 appears twice");
  Image deep;
  deep.header(0, 1).str("k").u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.u32(0).u64(0);
  expect_error(deep.b, ErrorCode::Format, "nested deeper than 16");
}

TEST(GgufBadInput, Alignment) {
  auto with_alignment = [](uint32_t type, uint32_t value) {
    return Image{}.header(0, 1).str("general.alignment").u32(type).u32(value).b;
  };
  expect_error(with_alignment(4, 0), ErrorCode::Format, "is 0, expected a non-zero power of two");
  expect_error(with_alignment(4, 48), ErrorCode::Format, "is 48, expected a non-zero power of two");
  expect_error(with_alignment(5, 64), ErrorCode::Format, "has type INT32, expected UINT32");
  EXPECT_EQ(parse_gguf_header(as_bytes(with_alignment(4, 64))).alignment, 64u);
}

// One tensor info after an empty metadata section, then the data.
std::string one_tensor(std::vector<uint64_t> ne, uint32_t type, uint64_t offset, size_t data_bytes,
                       std::string name = "t") {
  Image img;
  img.header(1, 0).str(name).u32(static_cast<uint32_t>(ne.size()));
  for (uint64_t d : ne) img.u64(d);
  img.u32(type).u64(offset).pad();
  img.b.append(data_bytes, '\0');
  return img.b;
}

TEST(GgufBadInput, TensorInfos) {
  EXPECT_NO_THROW(parse_gguf_header(as_bytes(one_tensor({4, 2}, 0, 0, 32))));
  expect_error(one_tensor({4, 2}, 0, 0, 31), ErrorCode::Format, "32 bytes at data offset 0 (file byte 96) run past");
  expect_error(one_tensor({4, 2}, 0, 32, 32), ErrorCode::Format, "run past the end");
  expect_error(one_tensor({4, 2}, 0, 0xFFFFFFFFFFFFFFE0ULL, 32), ErrorCode::Format, "run past the end");
  expect_error(one_tensor({4, 2}, 0, 8, 64), ErrorCode::Format, "data offset 8 is not a multiple of the alignment 32");
  expect_error(one_tensor({1, 1, 1, 1, 1}, 0, 0, 32), ErrorCode::Format, "n_dims 5 at byte 33, expected at most 4");
  expect_error(one_tensor({uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0, 32), ErrorCode::Format, "overflows int64");
  expect_error(one_tensor({uint64_t{1} << 63}, 0, 0, 32), ErrorCode::Format, "does not fit int64");
  // Found by fuzzing: a zero dimension must not hide an overflowing product of the others.
  expect_error(one_tensor({244, 0, uint64_t{1} << 56, uint64_t{1} << 35}, 0, 0, 32), ErrorCode::Format,
               "overflows int64");
  expect_error(one_tensor({4}, 4, 0, 32), ErrorCode::Unsupported, "ggml type id 4");
  expect_error(one_tensor({4}, 999, 0, 32), ErrorCode::Unsupported, "ggml type id 999");
  expect_error(one_tensor({48}, 2, 0, 64), ErrorCode::Format, "rows of 48 elements are not a whole number of 32-element Q4_0");

  Image two;
  two.header(2, 0).str("a").u32(1).u64(16).u32(0).u64(0).str("b").u32(1).u64(8).u32(0).u64(32).pad();
  two.b.append(64, '\0');
  expect_error(two.b, ErrorCode::Format, "tensors 'a' [0, 64) and 'b' [32, 64) overlap");
  Image dup;
  dup.header(2, 0).str("a").u32(1).u64(8).u32(0).u64(0).str("a").u32(1).u64(8).u32(0).u64(32).pad();
  dup.b.append(64, '\0');
  expect_error(dup.b, ErrorCode::Format, "tensor 'a' at byte 57 appears twice");
}

TEST(GgufBadInput, OpenNamesTheFile) {
  const fs::path p = fs::temp_directory_path() / fmt::format("hfcpp_gguf_bad_{}.gguf", ::getpid());
  std::ofstream(p, std::ios::binary) << "GGUF\x01";
  try {
    GgufFile::open(p.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
  fs::remove(p);
}

TEST(GgufWriter, RejectsBadInput) {
  GgufWriter w;
  EXPECT_THROW(w.set_alignment(48), Error);
  EXPECT_THROW(w.set("general.alignment", GgufValue::i32(64)), Error);
  EXPECT_THROW(w.add_raw_tensor("q", GgmlType::Q4_0, {2, 32}, std::vector<std::byte>(35)), Error);
  EXPECT_THROW(w.add_tensor("u", tensor::Tensor::zeros({2}, tensor::DType::U32)), Error);
  w.add_tensor("x", tensor::Tensor::zeros({2}, tensor::DType::F32));
  EXPECT_THROW(w.add_tensor("x", tensor::Tensor::zeros({2}, tensor::DType::F32)), Error);
  EXPECT_THROW(GgufValue::array(GgufValueType::U8, {GgufValue::i8(1)}), Error);
}

TEST(GgufWriter, RoundTripsThroughTheReader) {
  GgufWriter w;
  w.set("general.architecture", GgufValue::string("llama"));
  w.set_alignment(16);
  w.set("a.nested", GgufValue::array(GgufValueType::Array,
                                     {GgufValue::array(GgufValueType::I16, {GgufValue::i16(-3)}),
                                      GgufValue::string_array({"p", "q"})}));
  w.set("general.architecture", GgufValue::string("qwen2"));  // replaced in place
  w.add_tensor("w", tensor::Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
  const std::string bytes = w.serialize();
  GgufHeader h = parse_gguf_header(as_bytes(bytes));
  ASSERT_EQ(h.metadata.size(), 3u);
  EXPECT_EQ(h.metadata[0].value.as_string(), "qwen2");
  EXPECT_EQ(h.alignment, 16u);
  EXPECT_EQ(h.metadata[2].value.items()[1].as_string_vector(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(h.tensors[0].ne, (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(bytes.size() % 16, 0u);
}

}  // namespace

// Driven by tests/python/test_gguf_live.py: rewrites HFCPP_GGUF_IN through the reader and the
// writer into HFCPP_GGUF_OUT, for gguf-py to compare.
TEST(GgufInterop, RewriteForPython) {
  const char* in = std::getenv("HFCPP_GGUF_IN");
  const char* out = std::getenv("HFCPP_GGUF_OUT");
  if (in == nullptr || out == nullptr) GTEST_SKIP() << "driven by tests/python/test_gguf_live.py";
  GgufFile f = GgufFile::open(in);
  GgufWriter w;
  for (const auto& kv : f.metadata()) w.set(kv.key, kv.value);
  for (const auto& t : f.tensors()) {
    if (t.plain_dtype()) {
      w.add_tensor(t.name, f.tensor(t.name));
    } else {
      w.add_raw_tensor(t.name, t.type, t.shape(), f.tensor_bytes(t.name));
    }
  }
  w.write(out);
}
