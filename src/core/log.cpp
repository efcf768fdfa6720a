#include "hfcpp/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace hfcpp::core {
namespace {

LogLevel initial_level() {
  LogLevel level = LogLevel::Warn;
  if (const char* env = std::getenv("HFCPP_LOG")) parse_log_level(env, level);
  return level;
}

std::atomic<LogLevel>& level_ref() {
  static std::atomic<LogLevel> level{initial_level()};
  return level;
}

}  // namespace

LogLevel log_level() { return level_ref().load(std::memory_order_relaxed); }
void set_log_level(LogLevel level) { level_ref().store(level, std::memory_order_relaxed); }

bool parse_log_level(std::string_view text, LogLevel& out) {
  if (text == "debug" || text == "trace") out = LogLevel::Debug;
  else if (text == "info") out = LogLevel::Info;
  else if (text == "warn" || text == "warning") out = LogLevel::Warn;
  else if (text == "error") out = LogLevel::Error;
  else if (text == "off" || text == "none") out = LogLevel::Off;
  else return false;
  return true;
}

void log_write(LogLevel level, std::string_view message) {
  static std::mutex mutex;
  static const char* names[] = {"debug", "info", "warn", "error", "off"};
  std::lock_guard<std::mutex> lock(mutex);
  std::fprintf(stderr, "hfcpp: %s: %.*s\n", names[static_cast<int>(level)],
               static_cast<int>(message.size()), message.data());
}

}  // namespace hfcpp::core
