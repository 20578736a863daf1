// Int8 matrix products for inference with quantized weights:
//   C (M, N) = beta C + dequant(quant(A) (M, K) Q (K, N)),
//   C[m, n] = fma(acc[m, n], sa[m] s[n], beta C[m, n]),  acc = sum_k qa[m, k] Q[k, n] in int32,
// where Q holds int8 weights in [-127, 127] with one scale s[n] per output column (W ~ Q s),
// and A is quantized per row on the fly (symmetric: sa = max|A[m, .]| / 127,
// qa = round(A / sa) in [-127, 127]; a row of zeros gets sa = 0). The integer sums are exact
// (|acc| <= 127^2 K < 2^31 for K <= kMaxUnits), and every variant quantizes A to the same
// values and finishes with the same fma, so all variants give identical results.
// ref:: is the oracle (plain loops on Q); cpu:: reads Q packed by int8_pack as int16 pairs
// and picks at run time: AVX512-VNNI (vpdpwssd, 16 columns), AVX-VNNI (vpdpwssd, 8 columns),
// AVX2 (vpmaddwd + vpaddd, 8 columns), else the portable loops. Widening to 16 bits costs
// the u8 x s8 instructions' 2x density but has no saturation (vpmaddubsw's s16 pair sums
// overflow at 255 * 127 * 2) and no unsigned-offset correction.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace sentiment::kernels {

// Weights W (K, N) ~ q * scale[n], row-major, with int8_pack's copy for cpu::int8_gemm.
struct Int8Matrix {
  const int8_t* q = nullptr;        // (K, N) in [-127, 127]
  const int16_t* packed = nullptr;  // int8_packed_size(K, N) values, or null (ref only)
  const float* scale = nullptr;     // (N)
  size_t K = 0;
  size_t N = 0;
};

// K rounded up to pairs: the packed layout and a quantized row's length.
inline size_t int8_pairs(size_t K) {
  return (K + 1) / 2;
}
inline size_t int8_packed_size(size_t K, size_t N) {
  return int8_pairs(K) * 2 * N;
}

// packed[(p N + n) 2 + i] = q[2p + i, n] (0 past K): the two k of a pair side by side, so one
// 32-bit broadcast of a quantized row's pair meets eight or sixteen columns per vector.
void int8_pack(int16_t* packed,  // (K/2, N, 2) out
               const int8_t* q,  // (K, N)
               size_t K, size_t N) noexcept;

// One row's dynamic quantization: qa (2 int8_pairs(K)) out, zero past K; returns sa.
inline float int8_quantize_row(int16_t* qa, const float* a, size_t K) noexcept {
  float amax = 0.0f;
  for (size_t k = 0; k < K; ++k) amax = std::fmax(amax, std::fabs(a[k]));
  const size_t Kp = 2 * int8_pairs(K);
  if (!(amax > 0.0f)) {
    for (size_t k = 0; k < Kp; ++k) qa[k] = 0;
    return 0.0f;
  }
  const float inv = 127.0f / amax;
  for (size_t k = 0; k < K; ++k)
    qa[k] = static_cast<int16_t>(std::fmin(127.0f, std::fmax(-127.0f, std::nearbyint(a[k] * inv))));
  for (size_t k = K; k < Kp; ++k) qa[k] = 0;
  return amax / 127.0f;
}

// Workspace of int8_gemm: the quantized rows of A.
inline size_t int8_gemm_scratch_size(size_t M, size_t K) {
  return M * 2 * int8_pairs(K);
}

namespace ref {

void int8_gemm(float* C,              // (M, ldc) in/out: columns [0, N)
               size_t ldc,            //
               const float* A,        // (M, lda): columns [0, K)
               size_t lda,            //
               const Int8Matrix& W,   // (K, N), q and scale read
               size_t M, float beta,  // beta: 0 (overwrite) or 1 (accumulate)
               int16_t* qa,           // int8_gemm_scratch_size(M, K) workspace
               float* sa) noexcept;   // (M) workspace: the rows' scales

}  // namespace ref

namespace cpu {

enum class Int8Variant : uint8_t { kPortable = 0, kAvx2 = 1, kAvxVnni = 2, kAvx512Vnni = 3 };

// Same contract as ref::int8_gemm; reads W.packed (not W.q), in the best variant this CPU has.
void int8_gemm(float* C, size_t ldc, const float* A, size_t lda, const Int8Matrix& W, size_t M,
               float beta, int16_t* qa, float* sa) noexcept;
// The same in a given variant (tests compare each one the CPU has with ref::).
void int8_gemm_variant(Int8Variant v, float* C, size_t ldc, const float* A, size_t lda,
                       const Int8Matrix& W, size_t M, float beta, int16_t* qa, float* sa) noexcept;
// Whether this CPU (and this build) can run v; kPortable always can.
bool int8_variant_available(Int8Variant v) noexcept;
// The variant int8_gemm runs, and its name ("avx512-vnni", "avx-vnni", "avx2", "portable").
Int8Variant int8_best_variant() noexcept;
const char* int8_variant_name(Int8Variant v) noexcept;

}  // namespace cpu
}  // namespace sentiment::kernels
