// Levelled logging to stderr. Level from HFCPP_LOG=debug|info|warn|error (default warn),
// or set by the CLI's -v/-q. Formatting happens only when the level is enabled.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace hfcpp::core {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

LogLevel log_level();
void set_log_level(LogLevel level);
// Parses "debug", "info", "warn"/"warning", "error", "off"; returns false if unknown.
bool parse_log_level(std::string_view text, LogLevel& out);
void log_write(LogLevel level, std::string_view message);

}  // namespace hfcpp::core

#define HFCPP_LOG(level, ...)                                                        \
  do {                                                                               \
    if (static_cast<int>(level) >= static_cast<int>(::hfcpp::core::log_level()))     \
      ::hfcpp::core::log_write((level), ::fmt::format(__VA_ARGS__));                 \
  } while (0)
#define HFCPP_LOG_DEBUG(...) HFCPP_LOG(::hfcpp::core::LogLevel::Debug, __VA_ARGS__)
#define HFCPP_LOG_INFO(...) HFCPP_LOG(::hfcpp::core::LogLevel::Info, __VA_ARGS__)
#define HFCPP_LOG_WARN(...) HFCPP_LOG(::hfcpp::core::LogLevel::Warn, __VA_ARGS__)
#define HFCPP_LOG_ERROR(...) HFCPP_LOG(::hfcpp::core::LogLevel::Error, __VA_ARGS__)
