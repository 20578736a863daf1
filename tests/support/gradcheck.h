// Finite-difference helpers for gradient checks: central differences in double precision
// and the relative error ||a - n|| / ||a + n|| used across the layer tests (as mlpack does).
#pragma once

#include <cmath>
#include <functional>
#include <vector>

#include "core/rng.h"

namespace sentiment::testing {

// Central difference step for double: balances truncation error O(h^2) against rounding
// error O(eps / h); 1e-6 leaves both near 1e-10 for the O(1) functions tested here.
inline constexpr double kFiniteDifferenceStep = 1e-6;
// Analytic vs numeric gradients in double agree to ~1e-9; 1e-6 flags any real mistake
// (a wrong term gives errors of order 1e-2 or more) without flaking.
inline constexpr double kGradientTolerance = 1e-6;

inline std::vector<double> random_vector(size_t n, Rng& rng, double scale = 1.0) {
  std::vector<double> v(n);
  for (auto& x : v) x = rng.uniform(-scale, scale);
  return v;
}

// Numeric gradient of loss() with respect to every element of param (modified in place
// and restored).
inline std::vector<double> numeric_gradient(std::vector<double>& param,
                                            const std::function<double()>& loss) {
  std::vector<double> g(param.size());
  for (size_t k = 0; k < param.size(); ++k) {
    const double saved = param[k];
    param[k] = saved + kFiniteDifferenceStep;
    const double plus = loss();
    param[k] = saved - kFiniteDifferenceStep;
    const double minus = loss();
    param[k] = saved;
    g[k] = (plus - minus) / (2.0 * kFiniteDifferenceStep);
  }
  return g;
}

inline double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0.0, sum = 0.0;
  for (size_t k = 0; k < a.size(); ++k) {
    diff += (a[k] - b[k]) * (a[k] - b[k]);
    sum += (a[k] + b[k]) * (a[k] + b[k]);
  }
  return sum == 0.0 ? std::sqrt(diff) : std::sqrt(diff) / std::sqrt(sum);
}

template <typename T>
double max_abs_diff(const std::vector<T>& a, const std::vector<T>& b) {
  double m = 0.0;
  for (size_t k = 0; k < a.size(); ++k)
    m = std::max(m, std::abs(static_cast<double>(a[k]) - static_cast<double>(b[k])));
  return m;
}

}  // namespace sentiment::testing
