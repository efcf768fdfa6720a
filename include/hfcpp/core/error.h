// Structured errors: a code, a message of the form "[component] what failed: got X, expected Y",
// and a chain of context frames (file, byte offset, JSON path, tensor name).
// Library code throws hfcpp::Error; the CLI maps codes to exit statuses (1 data, 2 usage).
#pragma once

#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace hfcpp::core {

enum class ErrorCode {
  InvalidArgument,  // a caller passed something the API does not accept
  Format,           // a file or payload is malformed
  NotFound,         // a file, tensor, key or repo is missing
  Unsupported,      // valid input that hfcpp does not handle (yet)
  Io,               // the OS refused a read/write/mmap
  Network,          // HTTP or connection failure
  OutOfMemory,      // allocation refused or an absurd size was requested
  Internal,         // a broken invariant inside hfcpp
  Usage,            // command-line misuse (exit code 2)
};

const char* error_code_name(ErrorCode code);

class Error : public std::exception {
 public:
  Error(ErrorCode code, std::string message);

  ErrorCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // Innermost frame first, as they were added while unwinding.
  const std::vector<std::string>& context() const noexcept { return context_; }

  // Adds a frame ("reading model.safetensors", "at byte 8") and returns *this for rethrow.
  Error& with_context(std::string frame) &;
  Error&& with_context(std::string frame) &&;

  // Message followed by the context frames: "msg (reading x; at byte 8)".
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  void rebuild_what();
  ErrorCode code_;
  std::string message_;
  std::vector<std::string> context_;
  std::string what_;
};

// Exit status for the CLI: 2 for usage errors, 1 for everything else.
int exit_code_for(ErrorCode code);

}  // namespace hfcpp::core

namespace hfcpp {
using core::Error;
using core::ErrorCode;
}  // namespace hfcpp

// Throws hfcpp::Error(code, fmt::format(...)) when cond is false. For user data and API
// arguments; internal invariants use assert().
#define HFCPP_CHECK(cond, code, ...)                                          \
  do {                                                                        \
    if (!(cond)) [[unlikely]]                                                 \
      throw ::hfcpp::core::Error((code), ::fmt::format(__VA_ARGS__));         \
  } while (0)

#define HFCPP_THROW(code, ...) throw ::hfcpp::core::Error((code), ::fmt::format(__VA_ARGS__))
