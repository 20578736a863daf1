// Vectorised float exp, sigmoid and tanh for the fused gate passes, written with GCC/Clang
// vector extensions on 8 floats so that every compiled clone (AVX-512, AVX2+FMA, SSE2)
// gets straight-line SIMD code; no lookup tables. A scalar twin with the same arithmetic
// serves loop tails and tests.
// Error bounds (checked over [-90, 90] against double-precision std:: in vmath_test):
//   exp:     relative error <= 4e-7 (about 3 ulp) for x in [-87, 88]; clamped outside
//   sigmoid: absolute error <= 3e-7
//   tanh:    absolute error <= 6e-7
// Double precision (used by gradient checks) goes through std:: exactly.
// Also what the cell passes built on it share: the clone marker (SENTIMENT_MULTIVERSION,
// from core/multiversion.h) and lane-generic load, store and activations (ld, st, sig, th).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/multiversion.h"

// The 8-float vector types only pass between inlined helpers; no ABI crosses a library
// boundary, so GCC's note about AVX argument passing does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace sentiment::kernels::vmath {

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

inline constexpr size_t kLanes = 8;

// The integer vector matching a float vector, for the exponent bits of exp.
template <typename V>
struct IntVector;
template <>
struct IntVector<v8f> {
  using type = v8i;
};
template <>
struct IntVector<v16f> {
  using type = v16i;
};

inline v8f splat(float v) {
  return v8f{} + v;
}
inline v8f load(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, v8f v) {
  std::memcpy(p, &v, sizeof v);
}

// exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln2 / 2, with a Cody-Waite split of
// ln 2 and the Cephes minimax polynomial for exp(r). Generic over float and v8f.
template <typename V, typename I>
[[gnu::always_inline]] inline V exp_impl(V x, V lo, V hi) {
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const V n = (x * 1.44269504088896341f + shifter) - shifter;
  const V r = x - n * 0.693359375f + n * 2.12194440e-4f;
  V p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  if constexpr (sizeof(V) == sizeof(float)) {
    const int32_t e = (static_cast<int32_t>(n) + 127) << 23;
    return p * std::bit_cast<float>(e);
  } else {
    const I e = (__builtin_convertvector(n, I) + 127) << 23;
    return p * std::bit_cast<V>(e);
  }
}

inline float exp_f(float x) {
  return exp_impl<float, int32_t>(x, -87.0f, 88.0f);
}

// Any float vector width; always inlined so each caller's target (AVX2, AVX-512) applies.
template <typename V>
[[gnu::always_inline]] inline V exp_vec(V x) {
  return exp_impl<V, typename IntVector<V>::type>(x, V{} - 87.0f, V{} + 88.0f);
}
template <typename V>
[[gnu::always_inline]] inline V sigmoid_vec(V x) {
  return 1.0f / (1.0f + exp_vec(-x));
}
template <typename V>
[[gnu::always_inline]] inline V tanh_vec(V x) {
  return 1.0f - 2.0f / (exp_vec(2.0f * x) + 1.0f);
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
inline v8f exp_v(v8f x) {
  return exp_impl<v8f, v8i>(x, splat(-87.0f), splat(88.0f));
}

inline float sigmoid_f(float x) {
  return 1.0f / (1.0f + exp_f(-x));
}
inline v8f sigmoid_v(v8f x) {
  return 1.0f / (1.0f + exp_v(-x));
}

// tanh(x) = 1 - 2 / (exp(2x) + 1): accurate in absolute terms over the whole range.
inline float tanh_f(float x) {
  return 1.0f - 2.0f / (exp_f(2.0f * x) + 1.0f);
}
inline v8f tanh_v(v8f x) {
  return 1.0f - 2.0f / (exp_v(2.0f * x) + 1.0f);
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
