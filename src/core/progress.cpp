#include "hfcpp/core/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include <fmt/format.h>

namespace hfcpp::core {
namespace {
std::atomic<bool> g_enabled{true};
}

void ProgressBar::set_globally_enabled(bool enabled) { g_enabled = enabled; }

ProgressBar::ProgressBar(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(g_enabled && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::set(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void ProgressBar::draw(bool final_draw) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  auto amount = [&](uint64_t v) {
    return unit_ == "B" ? format_bytes(v) : fmt::format("{}{}", v, unit_.empty() ? "" : " " + unit_);
  };
  std::string line;
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const int width = 30;
    int filled = static_cast<int>(frac * width);
    line = fmt::format("\r{} [{}{}] {:3.0f}% {}/{} {:.1f}s", label_, std::string(filled, '#'),
                       std::string(width - filled, '.'), frac * 100, amount(done_), amount(total_),
                       seconds);
  } else {
    line = fmt::format("\r{} {} {:.1f}s", label_, amount(done_), seconds);
  }
  std::fputs(line.c_str(), stderr);
  std::fputs(final_draw ? "\n" : "\x1b[K", stderr);
  std::fflush(stderr);
}

std::string format_bytes(uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000.0 && u < 4) {
    v /= 1000.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string format_count(uint64_t n) {
  if (n >= 1000000000ULL) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1000000ULL) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 1000ULL) return fmt::format("{:.1f}K", n / 1e3);
  return fmt::format("{}", n);
}

}  // namespace hfcpp::core
