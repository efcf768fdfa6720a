// Byte layouts of ggml's blocks (the GGUF on-disk format) and the traits table that ties each
// format to its kernels. Internal to hfcpp_quant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/quant/ggml_type.h"
#include "hfcpp/tensor/half.h"

namespace hfcpp::quant {

inline constexpr int kQK = 32;    // elements of a legacy block (Q4_0 .. Q8_1, IQ4_NL)
inline constexpr int kQKK = 256;  // elements of a K-quant super-block (Q2_K .. Q8_K, IQ4_XS)

struct BlockQ4_0 { uint16_t d; uint8_t qs[16]; };
struct BlockQ4_1 { uint16_t d, m; uint8_t qs[16]; };
struct BlockQ5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; };
struct BlockQ5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; };
struct BlockQ8_0 { uint16_t d; int8_t qs[32]; };
// Activations for Q4_1/Q5_1: s = d * sum(qs) carries the block sum for the weights' offset.
struct BlockQ8_1 { float d, s; int8_t qs[32]; };
struct BlockQ2_K { uint8_t scales[16]; uint8_t qs[64]; uint16_t d, dmin; };
struct BlockQ3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; };
struct BlockQ4_K { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; };
struct BlockQ5_K { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; };
struct BlockQ6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; };
// Activations for K-quants: bsums[j] = sum of qs[16j .. 16j+15].
struct BlockQ8_K { float d; int8_t qs[256]; int16_t bsums[16]; };
struct BlockIQ4_NL { uint16_t d; uint8_t qs[16]; };
struct BlockIQ4_XS { uint16_t d; uint16_t scales_h; uint8_t scales_l[4]; uint8_t qs[128]; };

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 40);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136);

// IQ4_NL / IQ4_XS code book (ggml's kvalues_iq4nl).
inline constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

// static: ISA files include this header with their own flags (internal linkage, no merged copies).
static inline float fp16(uint16_t h) { return tensor::f16_to_f32(h); }
static inline uint16_t to_fp16(float f) { return tensor::f32_to_f16(f); }

// Q4_K/Q5_K's 12 bytes of 6-bit scales and mins for the 8 sub-blocks.
static inline void unpack_k4_scales(const uint8_t* s, uint8_t* sc, uint8_t* mn) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = s[j] & 63;
    mn[j] = s[j + 4] & 63;
    sc[j + 4] = static_cast<uint8_t>((s[j + 8] & 0xF) | ((s[j] >> 2) & 0x30));
    mn[j + 4] = static_cast<uint8_t>((s[j + 8] >> 4) | ((s[j + 4] >> 2) & 0x30));
  }
}
// Q3_K's 16 signed 6-bit scales (stored + 32).
static inline void unpack_q3_scales(const uint8_t* s, int8_t* out) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (s[j] & 0xF) : (s[j - 8] >> 4);
    const int high = (s[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
    out[j] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
}

using ToFloatFn = void (*)(const void* src, float* dst, int64_t n);
// One row of n elements; importance nullable (n values).
using FromFloatFn = void (*)(const float* src, void* dst, int64_t n, const float* importance);
// Dot product of n elements: weight row (its format) x activation row (its vec_dot_type).
using VecDotFn = float (*)(int64_t n, const void* w, const void* a);

struct BlockFormat {
  GgmlType type;
  int64_t block_size;
  size_t type_size;
  ToFloatFn to_float;      // nullptr: cannot dequantize
  FromFloatFn from_float;  // nullptr: cannot quantize
  VecDotFn vec_dot;        // scalar reference; nullptr: no matmul
  GgmlType vec_dot_type;   // activation format
};

// quant::linear's prefill tile: kTileRows weight rows (w_stride bytes apart) x kTileActs
// activation rows (a_stride bytes apart, the vec_dot_type) of n elements -> out[act * kTileRows + row].
inline constexpr int kTileRows = 2, kTileActs = 4;
using LinearTileFn = void (*)(int64_t n, const std::byte* w, size_t w_stride, const std::byte* a, size_t a_stride,
                              float* out);

// quant::linear's prefill panels: kPanelActs activation rows of the vec_dot_type, interleaved per
// 32-element block 4 bytes of each row in turn. One broadcast group of 4 weight bytes then multiplies
// all kPanelActs rows in a single vpdpbusd (or maddubs) and the sums land one activation per lane: no
// horizontal sums and about half the instructions of the 2 x 4 tile per output.
inline constexpr int kPanelActs = 8, kPanelRows = 4;
struct ActPanelBlock {
  int8_t qs[8][kPanelActs][4];  // [4-element group][activation row][element within the group]
  float d[kPanelActs];          // activation scales
  float s[kPanelActs];          // d * sum(qs) as the Q8_1 block carries it (0 for Q8_0 activations)
  int32_t sum8[kPanelActs];     // 8 * sum(qs): the weights' offset (Q4_0 8, Q5_0 16, ...), once per block
};
// Interleaves m quantized activation rows (vec_dot_type `act_type`: Q8_0 or Q8_1) into ceil(m /
// kPanelActs) panels of n_blocks blocks each; missing rows of the last panel are zero.
std::vector<ActPanelBlock> build_act_panels(GgmlType act_type, const std::byte* rows, size_t row_bytes, int64_t m,
                                            int64_t n_blocks);

// Prefill panels over unpacked weights (isa/avx2/linear_unpacked_impl.h): quant::linear unpacks a
// task's weight rows once, to one unsigned byte per element and the block's scales, and every panel of
// kPanelActs activation rows then reads those. A 32-element block (Q4_0 .. Q5_1): weight = d * (u -
// offset) + m, the offset (8, 16 or 0) fixed by the type.
struct Unpacked32 {
  uint8_t u[kQK];
  float d, m;
};
// A K-quant super-block (Q2_K .. Q6_K): weight = dw * sc[g] * u + db * bias[g] over 16-element groups g.
struct Unpacked256 {
  uint8_t u[kQKK];
  int32_t sc[16];
  int16_t bias[16];
  float dw, db;
};
// kPanelActs Q8_K activation rows interleaved as ActPanelBlock, for the K-quant panels.
struct ActPanelBlockK {
  int8_t qs[64][kPanelActs][4];     // [4-element group][activation row][element within the group]
  int16_t bsums[8][kPanelActs][2];  // 16-element sums as pairs for vpmaddwd: [pair][activation row][group in pair]
  float d[kPanelActs];
};
// One weight row of n elements (its ggml type) -> n / block elements of Unpacked32 or Unpacked256.
using UnpackRowFn = void (*)(const std::byte* row, int64_t n, std::byte* out);
// rows (1..kPanelRows) unpacked weight rows (w_stride bytes apart) x acts (1..kPanelActs) activation rows
// of one panel (ActPanelBlock or ActPanelBlockK, n_blocks of them) -> y[act * ldy + row].
using UnpackedPanelFn = void (*)(int64_t n_blocks, const std::byte* w, size_t w_stride, int rows, const std::byte* a,
                                 int acts, float* y, size_t ldy);
struct UnpackedPanelKernel {
  UnpackRowFn unpack = nullptr;
  UnpackedPanelFn panel = nullptr;
};
// The unpack + panel pair for a weight type on the given path ({} where there is none).
UnpackedPanelKernel unpacked_panel_for(GgmlType type, core::Isa isa);
// Interleaves m Q8_K activation rows into ceil(m / kPanelActs) panels of n_blocks super-blocks each;
// missing rows of the last panel are zero.
std::vector<ActPanelBlockK> build_act_panels_k(const std::byte* rows, size_t row_bytes, int64_t m, int64_t n_blocks);

// The scalar traits of a type, or nullptr.
const BlockFormat* find_block_format(GgmlType type);
// vec_dot for the given path: the best kernel at or below `isa` (scalar fallback).
VecDotFn vec_dot_for(GgmlType type, core::Isa isa);
// The tile kernel for the given path, or nullptr (quant::linear then calls vec_dot per pair).
LinearTileFn linear_tile_for(GgmlType type, core::Isa isa);
// The activation quantizer (from_float of a vec_dot_type) for the given path: same bytes on every path.
FromFloatFn act_quantizer_for(GgmlType act_type, core::Isa isa);

// Per-family entry points (blocks/*.cpp), collected by traits.cpp.
void dequantize_f32(const void*, float*, int64_t);
void dequantize_f16(const void*, float*, int64_t);
void dequantize_bf16(const void*, float*, int64_t);
void quantize_f32(const float*, void*, int64_t, const float*);
void quantize_f16(const float*, void*, int64_t, const float*);
void quantize_bf16(const float*, void*, int64_t, const float*);
float vec_dot_f32(int64_t, const void*, const void*);
float vec_dot_f16(int64_t, const void*, const void*);
float vec_dot_bf16(int64_t, const void*, const void*);

void dequantize_q4_0(const void*, float*, int64_t);
void quantize_q4_0(const float*, void*, int64_t, const float*);
float vec_dot_q4_0(int64_t, const void*, const void*);
void dequantize_q4_1(const void*, float*, int64_t);
void quantize_q4_1(const float*, void*, int64_t, const float*);
float vec_dot_q4_1(int64_t, const void*, const void*);
void dequantize_q5_0(const void*, float*, int64_t);
void quantize_q5_0(const float*, void*, int64_t, const float*);
float vec_dot_q5_0(int64_t, const void*, const void*);
void dequantize_q5_1(const void*, float*, int64_t);
void quantize_q5_1(const float*, void*, int64_t, const float*);
float vec_dot_q5_1(int64_t, const void*, const void*);
void dequantize_q8_0(const void*, float*, int64_t);
void quantize_q8_0(const float*, void*, int64_t, const float*);
float vec_dot_q8_0(int64_t, const void*, const void*);
void dequantize_q8_1(const void*, float*, int64_t);
void quantize_q8_1(const float*, void*, int64_t, const float*);
float vec_dot_q8_1(int64_t, const void*, const void*);
void dequantize_q2_k(const void*, float*, int64_t);
void quantize_q2_k(const float*, void*, int64_t, const float*);
float vec_dot_q2_k(int64_t, const void*, const void*);
void dequantize_q3_k(const void*, float*, int64_t);
void quantize_q3_k(const float*, void*, int64_t, const float*);
float vec_dot_q3_k(int64_t, const void*, const void*);
void dequantize_q4_k(const void*, float*, int64_t);
void quantize_q4_k(const float*, void*, int64_t, const float*);
float vec_dot_q4_k(int64_t, const void*, const void*);
void dequantize_q5_k(const void*, float*, int64_t);
void quantize_q5_k(const float*, void*, int64_t, const float*);
float vec_dot_q5_k(int64_t, const void*, const void*);
void dequantize_q6_k(const void*, float*, int64_t);
void quantize_q6_k(const float*, void*, int64_t, const float*);
float vec_dot_q6_k(int64_t, const void*, const void*);
void dequantize_q8_k(const void*, float*, int64_t);
void quantize_q8_k(const float*, void*, int64_t, const float*);
float vec_dot_q8_k(int64_t, const void*, const void*);
void dequantize_iq4_nl(const void*, float*, int64_t);
void quantize_iq4_nl(const float*, void*, int64_t, const float*);
float vec_dot_iq4_nl(int64_t, const void*, const void*);
void dequantize_iq4_xs(const void*, float*, int64_t);
void quantize_iq4_xs(const float*, void*, int64_t, const float*);
float vec_dot_iq4_xs(int64_t, const void*, const void*);

// ISA kernels (isa/<name>/*.cpp); only called after run-time detection.
namespace avx2 {
// The type's dot product on this ISA, or nullptr (vec_dot_table.h).
VecDotFn vec_dot(GgmlType type);
void quantize_q8_0(const float*, void*, int64_t, const float*);
void quantize_q8_1(const float*, void*, int64_t, const float*);
void quantize_q8_k(const float*, void*, int64_t, const float*);
void linear_tile_q8_0(int64_t, const std::byte*, size_t, const std::byte*, size_t, float*);
UnpackedPanelKernel unpacked_panel(GgmlType type);
}  // namespace avx2
namespace avx512vnni {
VecDotFn vec_dot(GgmlType type);
void linear_tile_q8_0(int64_t, const std::byte*, size_t, const std::byte*, size_t, float*);
UnpackedPanelKernel unpacked_panel(GgmlType type);
}  // namespace avx512vnni

}  // namespace hfcpp::quant
