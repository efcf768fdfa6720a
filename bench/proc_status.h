// /proc/self/status figures for the benchmarks' memory columns.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace hfcpp::bench {

// A "VmRSS:" / "VmHWM:" line of /proc/self/status in MiB (0 where there is no /proc). VmHWM, not
// getrusage's ru_maxrss: Linux carries ru_maxrss across execve, so a benchmark started from a large
// Python process (one that has imported torch) would report the parent's peak as its own.
inline double proc_status_mb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + key.size()) / 1024.0;
  return 0;
}

}  // namespace hfcpp::bench
