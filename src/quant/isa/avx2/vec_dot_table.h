// The SIMD dot product of each weight type for one integer-dot policy (Dot: AVX2's maddubs + madd or
// VNNI's vpdpbusd / vpdpwssd), written once for vec_dot_avx2.cpp and vec_dot_vnni.cpp. Q6_K's loops
// differ between the two ISAs, so each passes its own. Include only from files compiled with -mavx2
// -mfma -mf16c or more.
#pragma once

#include "quant/blocks/block_types.h"
#include "quant/isa/avx2/vec_dot_kquant_impl.h"
#include "quant/isa/avx2/vec_dot_legacy_impl.h"
#include "quant/isa/avx2/vec_dot_q2q3_impl.h"

namespace hfcpp::quant::vec_dot_table_detail {
// Internal linkage: compiled with AVX2 and with AVX-512 flags (see avx2_helpers.h).
namespace {

// nullptr for a type without a SIMD kernel (the scalar one is used).
template <class Dot>
VecDotFn vec_dot_table(GgmlType type, VecDotFn q6_k) {
  switch (type) {
    case GgmlType::Q4_0: return legacy_dot_detail::q4_0<Dot>;
    case GgmlType::Q4_1: return legacy_dot_detail::q4_1<Dot>;
    case GgmlType::Q5_0: return legacy_dot_detail::q5_0<Dot>;
    case GgmlType::Q5_1: return legacy_dot_detail::q5_1<Dot>;
    case GgmlType::Q8_0: return legacy_dot_detail::q8_0<Dot>;
    case GgmlType::IQ4_NL: return legacy_dot_detail::iq4_nl<Dot>;
    case GgmlType::Q2_K: return q2q3_dot_detail::q2_k<Dot>;
    case GgmlType::Q3_K: return q2q3_dot_detail::q3_k<Dot>;
    case GgmlType::Q4_K: return kquant_dot_detail::k45<Dot, BlockQ4_K, false>;
    case GgmlType::Q5_K: return kquant_dot_detail::k45<Dot, BlockQ5_K, true>;
    case GgmlType::Q6_K: return q6_k;
    case GgmlType::IQ4_XS: return kquant_dot_detail::iq4_xs<Dot>;
    default: return nullptr;
  }
}

}  // namespace
}  // namespace hfcpp::quant::vec_dot_table_detail
