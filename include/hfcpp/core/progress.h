// A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json).
// Redraws at most ~10 times a second, so update() is cheap enough for tight loops.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hfcpp::core {

class ProgressBar {
 public:
  // total 0 means unknown (a counter without percentage). unit "B" formats as MB/GB.
  ProgressBar(std::string label, uint64_t total, std::string unit = "");
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(uint64_t delta) { set(done_ + delta); }
  void set(uint64_t done);
  void finish();
  bool enabled() const { return enabled_; }

  // Forces bars on or off for the whole process (CLI --quiet / --json turn them off).
  static void set_globally_enabled(bool enabled);

 private:
  void draw(bool final_draw);
  std::string label_;
  std::string unit_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1.5 MB", "23.0 GB": decimal units as the hf CLI prints them.
std::string format_bytes(uint64_t bytes);
// "22.7M", "1.2B": parameter counts.
std::string format_count(uint64_t n);

}  // namespace hfcpp::core
