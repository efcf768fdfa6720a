// Decode attention for one GQA group: the query heads that share a KV head (3 of SmolLM2's 9)
// attend together over a range of keys, so each key and value row is read once for all of them
// (and, from an f16 KV cache, converted to f32 once), instead of once per query head. Keys and
// values are f32 or f16 rows. The result is the unnormalised partial of an online softmax over
// that range (running max, sum of exponentials, weighted sum of values), so a long key range can
// be split across threads and the partials merged (merge_decode_partials).
#pragma once

#include <cstdint>

#include "hfcpp/core/cpu_features.h"

namespace hfcpp::tensor::cpu {

struct DecodeGroupArgs {
  const float* q = nullptr;  // query head g at q + g * q_stride (head_dim floats)
  int64_t q_stride = 0;
  int64_t heads = 0;       // query heads in the group
  const void* k = nullptr;  // key j at k + j * k_stride elements (f32 or f16, see f16)
  const void* v = nullptr;
  int64_t k_stride = 0, v_stride = 0;
  bool f16 = false;         // keys and values are IEEE half bits (uint16_t), else float
  int64_t keys = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;
  float softcap = 0.0f;               // > 0: score = softcap * tanh(score / softcap)
  const uint8_t* keep = nullptr;      // key j is attended iff keep[j * keep_stride] != 0; null: all
  int64_t keep_stride = 0;
  // Outputs per head g: acc + g * head_dim (sum of exp(s - max) * v), row_max[g], row_sum[g]
  // (-inf and 0 when every key is masked).
  float* acc = nullptr;
  float* row_max = nullptr;
  float* row_sum = nullptr;
};

using DecodeGroupFn = void (*)(const DecodeGroupArgs&);

// The kernel for an instruction set (AVX-512 machines use the AVX2 one); the scalar one is the oracle.
DecodeGroupFn decode_group_kernel(core::Isa isa);
void decode_group_reference(const DecodeGroupArgs& args);
void decode_group_avx2(const DecodeGroupArgs& args);

// out[0, D) = the softmax-weighted value of `parts` partials (acc at acc + i * acc_stride,
// max/sum at row_max[i * stat_stride], row_sum[i * stat_stride]); zeros when every key was masked.
void merge_decode_partials(const float* acc, int64_t acc_stride, const float* row_max, const float* row_sum,
                           int64_t stat_stride, int64_t parts, int64_t head_dim, float* out);

}  // namespace hfcpp::tensor::cpu
