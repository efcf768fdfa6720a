// Progress on stderr for downloads: one line per file in flight and an overall line, redrawn in
// place at most 10 times a second. Silent unless enabled and stderr is a terminal. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hfcpp::hub::detail {

class TransferProgress {
 public:
  TransferProgress(std::string label, bool enabled);
  ~TransferProgress();
  TransferProgress(const TransferProgress&) = delete;
  TransferProgress& operator=(const TransferProgress&) = delete;

  bool enabled() const { return enabled_; }
  void set_file_count(size_t files);
  // Returns a handle for advance()/finish_file().
  int start_file(const std::string& name, std::optional<uint64_t> total, uint64_t already);
  void advance(int id, uint64_t bytes);
  // Rolls a file back to zero (a server ignored Range, a corrupt partial was discarded).
  void restart(int id);
  void finish_file(int id);
  void file_skipped();  // found in the cache

 private:
  struct File {
    std::string name;
    uint64_t total = 0;
    uint64_t done = 0;
    bool active = true;
  };
  void draw(bool final_draw);
  std::string label_;
  bool enabled_;
  std::mutex mu_;
  std::vector<File> files_;
  size_t file_count_ = 0, files_done_ = 0;
  int lines_drawn_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hfcpp::hub::detail
