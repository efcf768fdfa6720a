// `hfcpp quant-debug ...` (hidden): raw-file bridge to hfcpp::quant for the live differential
// tests against gguf-py and llama.cpp (tests/python/test_quant_live.py). Not a user command.
//   quant-debug dequantize TYPE IN.bin OUT.f32
//   quant-debug quantize TYPE ROWS COLS IN.f32 OUT.bin [--imatrix IMP.f32]
//   quant-debug linear TYPE N K W.bin M X.f32 OUT.f32
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/quant/quant.h"

namespace hfcpp::cli {
namespace {

quant::GgmlType parse_type(const std::string& name) {
  const auto t = quant::parse_ggml_type(name);
  HFCPP_CHECK(t.has_value(), ErrorCode::InvalidArgument, "[quant-debug] unknown type '{}'", name);
  return *t;
}

template <class T>
std::vector<T> read_vector(const std::string& path) {
  const std::string bytes = core::read_file(path);
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

void write_bytes(const std::string& path, const void* data, size_t n) {
  core::write_file_atomic(path, std::string_view(static_cast<const char*>(data), n));
}

}  // namespace

void register_quant_debug(CLI::App& app, GlobalOptions& /*global*/) {
  auto* cmd = app.add_subcommand("quant-debug", "raw-file bridge to hfcpp::quant for tests");
  cmd->group("");  // hidden from --help
  cmd->require_subcommand(1);

  struct Args {
    std::string type, in, out, imatrix, x;
    int64_t rows = 0, cols = 0, m = 0;
  };
  auto args = std::make_shared<Args>();

  auto* deq = cmd->add_subcommand("dequantize", "");
  deq->add_option("type", args->type)->required();
  deq->add_option("in", args->in)->required();
  deq->add_option("out", args->out)->required();
  deq->callback([args] {
    const auto type = parse_type(args->type);
    const auto raw = read_vector<std::byte>(args->in);
    const auto info = quant::ggml_type_info(type);
    const int64_t n = static_cast<int64_t>(raw.size() / info.type_size * info.block_size);
    std::vector<float> out(static_cast<size_t>(n));
    quant::dequantize(type, raw.data(), out.data(), n);
    write_bytes(args->out, out.data(), out.size() * 4);
  });

  auto* q = cmd->add_subcommand("quantize", "");
  q->add_option("type", args->type)->required();
  q->add_option("rows", args->rows)->required();
  q->add_option("cols", args->cols)->required();
  q->add_option("in", args->in)->required();
  q->add_option("out", args->out)->required();
  q->add_option("--imatrix", args->imatrix);
  q->callback([args] {
    const auto type = parse_type(args->type);
    const auto x = read_vector<float>(args->in);
    HFCPP_CHECK(static_cast<int64_t>(x.size()) == args->rows * args->cols, ErrorCode::InvalidArgument,
                "[quant-debug] {} floats, expected {}", x.size(), args->rows * args->cols);
    std::vector<float> imp;
    if (!args->imatrix.empty()) imp = read_vector<float>(args->imatrix);
    std::vector<std::byte> out(static_cast<size_t>(args->rows) *
                               quant::ggml_row_bytes(type, static_cast<uint64_t>(args->cols)));
    quant::quantize(type, x.data(), out.data(), args->rows, args->cols, imp.empty() ? nullptr : imp.data());
    write_bytes(args->out, out.data(), out.size());
  });

  auto* lin = cmd->add_subcommand("linear", "");
  lin->add_option("type", args->type)->required();
  lin->add_option("n", args->rows)->required();
  lin->add_option("k", args->cols)->required();
  lin->add_option("w", args->in)->required();
  lin->add_option("m", args->m)->required();
  lin->add_option("x", args->x)->required();
  lin->add_option("out", args->out)->required();
  lin->callback([args] {
    const auto type = parse_type(args->type);
    const quant::QuantizedTensor w(type, args->rows, args->cols, read_vector<std::byte>(args->in));
    const auto x = read_vector<float>(args->x);
    HFCPP_CHECK(static_cast<int64_t>(x.size()) == args->m * args->cols, ErrorCode::InvalidArgument,
                "[quant-debug] x has {} floats, expected {}", x.size(), args->m * args->cols);
    std::vector<float> y(static_cast<size_t>(args->m * args->rows));
    quant::linear_f32(x.data(), args->m, w, y.data());
    write_bytes(args->out, y.data(), y.size() * 4);
  });
}

}  // namespace hfcpp::cli
