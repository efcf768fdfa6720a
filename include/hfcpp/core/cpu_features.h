// What the CPU (and the OS, for AVX/AVX-512/AMX state) supports, read once from cpuid/xgetbv,
// and the kernel path chosen from it. HFCPP_ISA=scalar|avx2|avx512|avx512bf16 forces a path
// (never above what the CPU supports); tests use it to compare every path with the scalar one.
#pragma once

#include <string>
#include <vector>

namespace hfcpp::core {

struct CpuFeatures {
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx512_bf16 = false, avx_vnni = false;
  bool amx_tile = false, amx_bf16 = false, amx_int8 = false;
  std::string vendor, brand;
};

// Ordered: a higher value implies every lower one.
enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2, Avx512Bf16 = 3 };

const CpuFeatures& cpu_features();
// The best path the CPU supports, lowered by HFCPP_ISA or set_isa().
Isa active_isa();
// The best path this CPU could run, ignoring overrides.
Isa best_supported_isa();
// Forces a path (clamped to what the CPU supports); returns the one now active.
Isa set_isa(Isa isa);
const char* isa_name(Isa isa);
bool parse_isa(const std::string& name, Isa& out);
// Every path this CPU can run, scalar first: what tests iterate over.
std::vector<Isa> supported_isas();
// "avx2 fma f16c" style list of detected features.
std::string describe_cpu_features();

}  // namespace hfcpp::core
