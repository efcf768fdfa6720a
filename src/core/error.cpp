#include "hfcpp/core/error.h"

namespace hfcpp::core {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::Format: return "format";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Io: return "io";
    case ErrorCode::Network: return "network";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::Internal: return "internal";
    case ErrorCode::Usage: return "usage";
  }
  return "unknown";
}

Error::Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {
  rebuild_what();
}

Error& Error::with_context(std::string frame) & {
  context_.push_back(std::move(frame));
  rebuild_what();
  return *this;
}

Error&& Error::with_context(std::string frame) && {
  context_.push_back(std::move(frame));
  rebuild_what();
  return std::move(*this);
}

void Error::rebuild_what() {
  what_ = message_;
  if (context_.empty()) return;
  what_ += " (";
  for (size_t i = 0; i < context_.size(); ++i) {
    if (i) what_ += "; ";
    what_ += context_[i];
  }
  what_ += ")";
}

int exit_code_for(ErrorCode code) { return code == ErrorCode::Usage ? 2 : 1; }

}  // namespace hfcpp::core
