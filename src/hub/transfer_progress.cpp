#include "hub/transfer_progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "hfcpp/core/progress.h"

namespace hfcpp::hub::detail {
namespace {

std::string bar(uint64_t done, uint64_t total, int width) {
  if (total == 0) return std::string(static_cast<size_t>(width), '.');
  int filled = static_cast<int>(std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) * width);
  return std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.');
}

std::string shorten(const std::string& name, size_t max) {
  if (name.size() <= max) return name;
  return "..." + name.substr(name.size() - (max - 3));
}

}  // namespace

TransferProgress::TransferProgress(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

TransferProgress::~TransferProgress() {
  std::lock_guard<std::mutex> lock(mu_);
  if (enabled_ && (file_count_ > 0 || !files_.empty())) draw(true);
}

void TransferProgress::set_file_count(size_t files) {
  std::lock_guard<std::mutex> lock(mu_);
  file_count_ = files;
}

int TransferProgress::start_file(const std::string& name, std::optional<uint64_t> total, uint64_t already) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.push_back(File{name, total.value_or(0), already, true});
  return static_cast<int>(files_.size() - 1);
}

void TransferProgress::advance(int id, uint64_t bytes) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  files_[static_cast<size_t>(id)].done += bytes;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void TransferProgress::restart(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[static_cast<size_t>(id)].done = 0;
}

void TransferProgress::finish_file(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[static_cast<size_t>(id)].active = false;
  ++files_done_;
  if (enabled_) draw(false);
}

void TransferProgress::file_skipped() {
  std::lock_guard<std::mutex> lock(mu_);
  ++files_done_;
}

void TransferProgress::draw(bool final_draw) {
  std::string out;
  if (lines_drawn_ > 0) out += fmt::format("\x1b[{}A", lines_drawn_);
  out += "\r\x1b[J";
  int lines = 0;
  uint64_t done = 0, total = 0;
  int shown = 0;
  for (const auto& f : files_) {
    done += f.done;
    total += std::max(f.total, f.done);
    if (f.active && !final_draw && shown < 8) {
      out += fmt::format("{:<32} [{}] {}/{}\n", shorten(f.name, 32), bar(f.done, f.total, 20),
                         core::format_bytes(f.done), f.total ? core::format_bytes(f.total) : "?");
      ++lines;
      ++shown;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string files = file_count_ > 0 ? fmt::format("{}/{} files ", files_done_, file_count_) : "";
  out += fmt::format("{} {}[{}] {}/{} {}/s {:.1f}s", label_, files, bar(done, total, 30), core::format_bytes(done),
                     core::format_bytes(total), core::format_bytes(static_cast<uint64_t>(rate)), seconds);
  if (final_draw) {
    out += "\n";
    lines = 0;
  } else {
    out += "\n";
    ++lines;
  }
  lines_drawn_ = lines;
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace hfcpp::hub::detail
