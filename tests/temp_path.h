// A temporary path no other test process can collide with. ctest runs every gtest case as its
// own process, several at once (and CI may run the release and sanitizer suites on one machine),
// so a fixed name under TempDir() lets one case delete or rewrite another's file mid-test.
#pragma once

#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace hfcpp::testing {

// TempDir()/hfcpp_<pid>_<suite>_<test>_<stem>; '/' in parameterized names becomes '_'.
inline std::string unique_temp_path(const std::string& stem) {
  std::string test_id = "unknown";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    test_id = std::string(info->test_suite_name()) + "_" + info->name();
  }
  for (char& c : test_id) {
    if (c == '/') c = '_';
  }
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "hfcpp_" + std::to_string(::getpid()) + "_" + test_id + "_" + stem;
}

}  // namespace hfcpp::testing
