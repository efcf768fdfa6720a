#include "hfcpp/core/cpu_features.h"

#include <cpuid.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "hfcpp/core/log.h"

namespace hfcpp::core {
namespace {

uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
  unsigned max_leaf = a;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  f.vendor = vendor;

  __get_cpuid(1, &a, &b, &c, &d);
  f.sse42 = c & bit_SSE4_2;
  f.fma = c & bit_FMA;
  f.f16c = c & bit_F16C;
  bool osxsave = c & bit_OSXSAVE;
  bool avx_hw = c & bit_AVX;
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  bool os_avx = (xcr0 & 0x6) == 0x6;            // XMM + YMM state
  bool os_avx512 = (xcr0 & 0xe6) == 0xe6;       // + opmask, ZMM hi256, hi16 ZMM
  bool os_amx = (xcr0 & (3ull << 17)) == (3ull << 17);  // XTILECFG + XTILEDATA
  f.avx = avx_hw && os_avx;
  f.fma = f.fma && f.avx;
  f.f16c = f.f16c && f.avx;

  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = f.avx && (b & bit_AVX2);
    f.avx512f = os_avx512 && (b & bit_AVX512F);
    f.avx512dq = f.avx512f && (b & bit_AVX512DQ);
    f.avx512bw = f.avx512f && (b & bit_AVX512BW);
    f.avx512vl = f.avx512f && (b & bit_AVX512VL);
    f.avx512_vnni = f.avx512f && (c & (1u << 11));
    f.amx_bf16 = os_amx && (d & (1u << 22));
    f.amx_tile = os_amx && (d & (1u << 24));
    f.amx_int8 = os_amx && (d & (1u << 25));
    unsigned a1, b1, c1, d1;
    __cpuid_count(7, 1, a1, b1, c1, d1);
    f.avx_vnni = f.avx && (a1 & (1u << 4));
    f.avx512_bf16 = f.avx512f && (a1 & (1u << 5));
  }

  char brand[49] = {};
  if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
    for (unsigned i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002 + i, &a, &b, &c, &d);
      std::memcpy(brand + 16 * i, &a, 4);
      std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &c, 4);
      std::memcpy(brand + 16 * i + 12, &d, 4);
    }
  }
  f.brand = brand;
  while (!f.brand.empty() && f.brand.front() == ' ') f.brand.erase(f.brand.begin());
  return f;
}

Isa compute_best(const CpuFeatures& f) {
  bool avx512 = f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.fma && f.f16c;
  if (avx512 && f.avx512_bf16 && f.avx512_vnni) return Isa::Avx512Bf16;
  if (avx512) return Isa::Avx512;
  if (f.avx2 && f.fma && f.f16c) return Isa::Avx2;
  return Isa::Scalar;
}

Isa initial_isa() {
  Isa best = compute_best(cpu_features());
  if (const char* env = std::getenv("HFCPP_ISA")) {
    Isa wanted;
    if (!parse_isa(env, wanted)) {
      HFCPP_LOG_WARN("HFCPP_ISA='{}' is not one of scalar, avx2, avx512, avx512bf16; using {}",
                     env, isa_name(best));
      return best;
    }
    if (wanted > best)
      HFCPP_LOG_WARN("HFCPP_ISA={} is not supported by this CPU; using {}", env, isa_name(best));
    return wanted < best ? wanted : best;
  }
  return best;
}

std::atomic<Isa>& active_ref() {
  static std::atomic<Isa> isa{initial_isa()};
  return isa;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

Isa best_supported_isa() {
  static const Isa best = compute_best(cpu_features());
  return best;
}

Isa active_isa() { return active_ref().load(std::memory_order_relaxed); }

Isa set_isa(Isa isa) {
  Isa best = best_supported_isa();
  Isa chosen = isa < best ? isa : best;
  active_ref().store(chosen, std::memory_order_relaxed);
  return chosen;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Avx512Bf16: return "avx512bf16";
  }
  return "?";
}

bool parse_isa(const std::string& name, Isa& out) {
  if (name == "scalar") out = Isa::Scalar;
  else if (name == "avx2") out = Isa::Avx2;
  else if (name == "avx512") out = Isa::Avx512;
  else if (name == "avx512bf16") out = Isa::Avx512Bf16;
  else return false;
  return true;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (int i = 0; i <= static_cast<int>(best_supported_isa()); ++i) out.push_back(static_cast<Isa>(i));
  return out;
}

std::string describe_cpu_features() {
  const CpuFeatures& f = cpu_features();
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(f.sse42, "sse4.2");
  add(f.avx, "avx");
  add(f.avx2, "avx2");
  add(f.fma, "fma");
  add(f.f16c, "f16c");
  add(f.avx_vnni, "avx-vnni");
  add(f.avx512f, "avx512f");
  add(f.avx512bw, "avx512bw");
  add(f.avx512vl, "avx512vl");
  add(f.avx512dq, "avx512dq");
  add(f.avx512_vnni, "avx512-vnni");
  add(f.avx512_bf16, "avx512-bf16");
  add(f.amx_tile, "amx-tile");
  add(f.amx_bf16, "amx-bf16");
  add(f.amx_int8, "amx-int8");
  return s.empty() ? "none" : s;
}

}  // namespace hfcpp::core
