#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <thread>
#include <vector>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/core/progress.h"
#include "hfcpp/core/thread_pool.h"
#include "temp_path.h"

using namespace hfcpp;
using namespace hfcpp::core;

TEST(Error, MessageAndContext) {
  Error e(ErrorCode::Format, "[x] bad thing: got 1, expected 2");
  e.with_context("reading a.safetensors").with_context("at byte 8");
  EXPECT_EQ(e.code(), ErrorCode::Format);
  EXPECT_STREQ(e.what(), "[x] bad thing: got 1, expected 2 (reading a.safetensors; at byte 8)");
  EXPECT_EQ(exit_code_for(ErrorCode::Format), 1);
  EXPECT_EQ(exit_code_for(ErrorCode::Usage), 2);
}

TEST(Error, CheckMacroThrowsFormattedMessage) {
  try {
    HFCPP_CHECK(1 + 1 == 3, ErrorCode::InvalidArgument, "[t] {} != {}", 2, 3);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(e.message(), "[t] 2 != 3");
  }
}

TEST(ThreadPool, CoversRangeExactlyOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(10007);
  pool.parallel_for(0, 10007, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPool, NestedCallsRunInline) {
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  pool.parallel_for(0, 8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallel_for(0, 100, 1, [&](int64_t bb, int64_t ee) { sum += ee - bb; });
  });
  EXPECT_EQ(sum.load(), 800);
}

TEST(ThreadPool, RethrowsFirstException) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(0, 100, 1,
                                 [&](int64_t b, int64_t) {
                                   if (b >= 50) throw Error(ErrorCode::Internal, "boom");
                                 }),
               Error);
  // The pool still works afterwards.
  std::atomic<int> n{0};
  pool.parallel_for(0, 10, 1, [&](int64_t b, int64_t e) { n += static_cast<int>(e - b); });
  EXPECT_EQ(n.load(), 10);
}

TEST(ThreadPool, ManyShortRegionsAcrossSpinAndSleep) {
  // Back-to-back regions hit spinning workers; the pauses outlast the spin so workers also go
  // to sleep and must be woken. Every region must see all its chunks done before it returns.
  ThreadPool pool(3);
  for (int round = 0; round < 400; ++round) {
    std::vector<int> out(64, 0);
    pool.parallel_for(0, 64, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) out[i] = round + static_cast<int>(i);
    });
    for (int i = 0; i < 64; ++i) ASSERT_EQ(out[i], round + i) << "round " << round;
    if (round % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(3 * ThreadPool::kSpinMicros));
  }
}

TEST(ThreadPool, ConcurrentSubmittersAndSlowChunks) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  auto submit = [&] {
    for (int i = 0; i < 50; ++i)
      pool.parallel_for(0, 8, 1, [&](int64_t b, int64_t e) {
        if (b == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));  // caller sleeps
        total += e - b;
      });
  };
  std::thread other(submit);
  submit();
  other.join();
  EXPECT_EQ(total.load(), 2 * 50 * 8);
}

TEST(MappedFile, MapsBytesAndReportsMissingFiles) {
  std::string path = hfcpp::testing::unique_temp_path("mapped.bin");
  {
    std::ofstream out(path, std::ios::binary);
    out << "hello";
  }
  auto f = MappedFile::open(path);
  ASSERT_EQ(f->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->data()), 5), "hello");
  try {
    MappedFile::open(path + ".missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find(".missing"), std::string::npos);
  }
  std::remove(path.c_str());
}

TEST(MappedFile, EmptyFile) {
  std::string path = hfcpp::testing::unique_temp_path("empty.bin");
  { std::ofstream out(path, std::ios::binary); }
  auto f = MappedFile::open(path);
  EXPECT_EQ(f->size(), 0u);
  std::remove(path.c_str());
}

TEST(Json, ParseErrorsNameSourceAndPosition) {
  try {
    parse_json("{\"a\": [1, 2", "config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format);
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos);
  }
  Json j = parse_json(R"({"a": {"b": 3, "s": "x"}})", "t");
  EXPECT_EQ(json_int(j.at("a"), "b", "a"), 3);
  EXPECT_EQ(json_int_or(j.at("a"), "missing", 7, "a"), 7);
  try {
    json_int(j.at("a"), "s", "a");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a.s"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("expected an integer"), std::string::npos);
  }
}

TEST(CpuFeatures, ScalarAlwaysSupportedAndOverrideClamps) {
  auto isas = supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::Scalar);
  Isa before = active_isa();
  EXPECT_EQ(set_isa(Isa::Scalar), Isa::Scalar);
  EXPECT_EQ(set_isa(Isa::Avx512Bf16), best_supported_isa());
  set_isa(before);
}

TEST(Progress, FormatsUnits) {
  EXPECT_EQ(format_bytes(999), "999 B");
  EXPECT_EQ(format_bytes(90868376), "90.9 MB");
  EXPECT_EQ(format_count(22713216), "22.7M");
}
