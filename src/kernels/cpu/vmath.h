// Vectorised float sigmoid and tanh for the fused gate passes, written with GCC/Clang
// vector extensions on 8 floats so that every compiled clone (AVX-512, AVX2+FMA, SSE2)
// gets straight-line SIMD code; no lookup tables. The same templates, on a plain float,
// serve loop tails and tests.
//
// tanh(x) = x P(x^2) / Q(x^2) for |x| <= 8.5, with P and Q of degree 4 in x^2, and +-1 (to
// within 1 - tanh(8.5) < 1e-7) beyond: x is clamped to [-8.5, 8.5]. The coefficients are a
// minimax fit of the absolute error (scripts/fit_tanh.py; 1.1e-8 in exact arithmetic, so
// float rounding dominates). Q > 1 everywhere, so the division never meets a pole.
// sigmoid(x) = (1 + tanh(x / 2)) / 2. Compared with exp-based forms this takes one division
// and about a dozen multiply-adds, no integer exponent tricks, and half the dependency
// chain: the forward step's cell pass is latency-bound, so the chain is what costs.
// Error bounds (checked over [-90, 90] against double-precision std:: in vmath_test):
//   sigmoid: absolute error <= 2e-7
//   tanh:    absolute error <= 4e-7
// Double precision (used by gradient checks) goes through std:: exactly.
// Also what the cell passes built on it share: the clone marker (SENTIMENT_MULTIVERSION,
// from core/multiversion.h) and lane-generic load, store and activations (ld, st, sig, th).
#pragma once

#include <cmath>
#include <cstring>
#include <type_traits>

#include "core/multiversion.h"

// The 8-float vector types only pass between inlined helpers; no ABI crosses a library
// boundary, so GCC's note about AVX argument passing does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace sentiment::kernels::vmath {

typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

inline constexpr size_t kLanes = 8;

inline v8f load(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, v8f v) {
  std::memcpy(p, &v, sizeof v);
}

// Generic over float and every float vector width (the clamp is a lane-wise select for
// vectors); always inlined so each caller's target (AVX2, AVX-512) applies.
template <typename V>
[[gnu::always_inline]] inline V tanh_vec(V x) {
  constexpr float kClamp = 8.5f;
  x = x < -kClamp ? -kClamp + V{} : x;
  x = x > kClamp ? kClamp + V{} : x;
  const V x2 = x * x;
  V p = x2 * 1.4099187e-8f + 2.1121591e-5f;
  p = p * x2 + 3.5258232e-3f;
  p = p * x2 + 1.340621e-1f;
  p = p * x2 + 9.9999995e-1f;
  V q = x2 * 8.073614e-7f + 3.3356948e-4f;
  q = q * x2 + 2.5991153e-2f;
  q = q * x2 + 4.6739522e-1f;
  q = q * x2 + 1.0f;
  return x * p / q;
}
template <typename V>
[[gnu::always_inline]] inline V sigmoid_vec(V x) {
  return 0.5f + 0.5f * tanh_vec(0.5f * x);
}

template <typename V>
[[gnu::always_inline]] inline V load_vec(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
[[gnu::always_inline]] inline void store_vec(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <typename F>
inline F sigmoid(F x) {
  if constexpr (sizeof(F) == sizeof(float)) {
    return sigmoid_vec(x);
  } else {
    return F(1) / (F(1) + std::exp(-x));
  }
}

template <typename F>
inline F tanh(F x) {
  if constexpr (sizeof(F) == sizeof(float)) {
    return tanh_vec(x);
  } else {
    return std::tanh(x);
  }
}

// Lane-generic access for pointwise passes written once for the vector lanes (V = v8f) and
// the scalar tail (V = F, float or double), so the two cannot drift apart. Scalars go
// through sigmoid/tanh above (double exactly through std::).
template <typename V, typename F>
[[gnu::always_inline]] inline V ld(const F* p) {
  if constexpr (std::is_same_v<V, F>)
    return *p;
  else
    return load_vec<V>(p);
}
template <typename V, typename F>
[[gnu::always_inline]] inline void st(F* p, V v) {
  if constexpr (std::is_same_v<V, F>)
    *p = v;
  else
    store_vec(p, v);
}
template <typename V>
[[gnu::always_inline]] inline V sig(V v) {
  if constexpr (std::is_floating_point_v<V>)
    return sigmoid(v);
  else
    return sigmoid_vec(v);
}
template <typename V>
[[gnu::always_inline]] inline V th(V v) {
  if constexpr (std::is_floating_point_v<V>)
    return tanh(v);
  else
    return tanh_vec(v);
}

}  // namespace sentiment::kernels::vmath
