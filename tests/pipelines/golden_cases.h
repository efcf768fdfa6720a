// Goldens of transformers' pipelines on the tiny models (scripts/golden/make_pipelines.py):
// loading tests/golden/pipelines/<task>.json and comparing a result with the reference's JSON
// (labels, strings and integers exactly, floats within 1e-4).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"

namespace hfcpp::testing {

inline std::string tiny_model(const std::string& name) {
  return std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny/" + name;
}

inline core::Json load_pipeline_golden(const std::string& task) {
  const std::string path = std::string(HFCPP_SOURCE_DIR) + "/tests/golden/pipelines/" + task + ".json";
  return core::parse_json(core::read_file(path), path);
}

// {"repeat": s, "count": n} -> s repeated n times; other values unchanged.
inline core::Json expand_input(const core::Json& x) {
  if (x.is_object() && x.contains("repeat")) {
    std::string s;
    for (int64_t i = 0; i < x["count"].get<int64_t>(); ++i) s += x["repeat"].get<std::string>();
    return s;
  }
  if (x.is_object()) {
    core::Json out = core::Json::object();
    for (auto& [k, v] : x.items()) out[k] = expand_input(v);
    return out;
  }
  return x;
}

inline void expect_json_close(const core::Json& actual, const core::Json& expected, const std::string& where,
                              double tol = 1e-4) {
  if (expected.is_number_float() || (expected.is_number() && actual.is_number_float())) {
    ASSERT_TRUE(actual.is_number()) << where << ": got " << actual.dump() << ", expected a number";
    EXPECT_NEAR(actual.get<double>(), expected.get<double>(), tol) << where;
    return;
  }
  if (expected.is_array()) {
    ASSERT_TRUE(actual.is_array()) << where << ": got " << actual.dump().substr(0, 300) << ", expected "
                                   << expected.dump().substr(0, 300);
    ASSERT_EQ(actual.size(), expected.size()) << where << ": got " << actual.dump().substr(0, 600) << "\nexpected "
                                              << expected.dump().substr(0, 600);
    for (size_t i = 0; i < expected.size(); ++i) expect_json_close(actual[i], expected[i], where + "[" + std::to_string(i) + "]", tol);
    return;
  }
  if (expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << where << ": got " << actual.dump().substr(0, 300);
    ASSERT_EQ(actual.size(), expected.size()) << where << ": got " << actual.dump() << " expected " << expected.dump();
    for (auto& [k, v] : expected.items()) {
      ASSERT_TRUE(actual.contains(k)) << where << ": missing key " << k << " in " << actual.dump();
      expect_json_close(actual[k], v, where + "." + k, tol);
    }
    return;
  }
  EXPECT_EQ(actual, expected) << where;
}

// Runs run(model, options, input) on every golden case of a task; a reference error must be an
// hfcpp::Error too.
inline void check_pipeline_golden(
    const std::string& task,
    const std::function<core::Json(const std::string& model, const core::Json& options, const core::Json& input)>& run) {
  core::Json golden = load_pipeline_golden(task);
  size_t compared = 0;
  for (const auto& c : golden["cases"]) {
    const std::string model = c["model"].get<std::string>();
    for (size_t i = 0; i < c["inputs"].size(); ++i) {
      const std::string where = task + " " + model + " " + c["options"].dump() + " input " + std::to_string(i);
      const core::Json& expected = c["outputs"][i];
      core::Json input = expand_input(c["inputs"][i]);
      if (expected.is_object() && expected.contains("error")) {
        EXPECT_THROW(run(model, c["options"], input), core::Error) << where;
        continue;
      }
      core::Json actual;
      try {
        actual = run(model, c["options"], input);
      } catch (const core::Error& e) {
        ADD_FAILURE() << where << ": " << e.what();
        continue;
      }
      expect_json_close(actual, expected, where);
      ++compared;
    }
  }
  EXPECT_GT(compared, 0u);
}

}  // namespace hfcpp::testing
