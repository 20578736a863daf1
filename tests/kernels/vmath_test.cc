// The vectorised sigmoid/tanh stay within the error bounds stated in vmath.h over a dense
// sweep of the input range, on a plain float, the baseline vector code and the AVX2/AVX-512
// clones the cell kernels run (where multiply-adds are fused), and saturate without inf or NaN.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/multiversion.h"
#include "kernels/cpu/vmath.h"

namespace sentiment {
namespace {

using kernels::vmath::sigmoid_vec;
using kernels::vmath::tanh_vec;
using kernels::vmath::v8f;

// The bounds documented in vmath.h.
constexpr double kSigmoidAbsolute = 2e-7;
constexpr double kTanhAbsolute = 4e-7;

double exact_sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// Every float in [-90, 90] at a step of 2^-10, plus the region around the clamp at a step of
// one float spacing (where the rational form meets the constant).
std::vector<float> sweep() {
  std::vector<float> xs;
  for (double v = -90.0; v <= 90.0; v += 1.0 / 1024.0) xs.push_back(static_cast<float>(v));
  for (float c : {8.5f, -8.5f, 17.0f, -17.0f})
    for (float x = c - 1e-3f; x <= c + 1e-3f; x = std::nextafter(x, 1e30f)) xs.push_back(x);
  return xs;
}

struct Worst {
  double sig = 0, tanh = 0;
};

Worst worst_of(const std::vector<float>& xs, const std::vector<float>& sig,
               const std::vector<float>& th) {
  Worst w;
  for (size_t n = 0; n < xs.size(); ++n) {
    const double x = static_cast<double>(xs[n]);
    w.sig = std::max(w.sig, std::abs(sig[n] - exact_sigmoid(x)));
    w.tanh = std::max(w.tanh, std::abs(th[n] - std::tanh(x)));
  }
  return w;
}

// Compiled for AVX-512, AVX2 and baseline; the loader runs the clone for this CPU, as it does
// for the kernels.
SENTIMENT_MULTIVERSION void activate_clone(const float* x, float* sig, float* th, size_t n) {
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const v8f v = kernels::vmath::load(x + k);
    kernels::vmath::store(sig + k, kernels::vmath::sigmoid_vec(v));
    kernels::vmath::store(th + k, kernels::vmath::tanh_vec(v));
  }
  for (; k < n; ++k) sig[k] = sigmoid_vec(x[k]), th[k] = tanh_vec(x[k]);
}

TEST(Vmath, ErrorBoundsOverRange) {
  const std::vector<float> xs = sweep();
  std::vector<float> sig(xs.size()), th(xs.size());
  for (size_t n = 0; n < xs.size(); ++n) sig[n] = sigmoid_vec(xs[n]), th[n] = tanh_vec(xs[n]);
  const Worst w = worst_of(xs, sig, th);
  EXPECT_LT(w.sig, kSigmoidAbsolute);
  EXPECT_LT(w.tanh, kTanhAbsolute);
  std::printf("scalar: sigmoid %.3g, tanh %.3g\n", w.sig, w.tanh);
}

// The 8-lane versions used by the cell kernels meet the same bounds.
TEST(Vmath, VectorPathMeetsTheSameBounds) {
  const std::vector<float> xs = sweep();
  std::vector<float> sig(xs.size()), th(xs.size());
  size_t n = 0;
  for (; n + 8 <= xs.size(); n += 8) {
    const v8f x = kernels::vmath::load(xs.data() + n);
    kernels::vmath::store(sig.data() + n, kernels::vmath::sigmoid_vec(x));
    kernels::vmath::store(th.data() + n, kernels::vmath::tanh_vec(x));
  }
  for (; n < xs.size(); ++n) sig[n] = sigmoid_vec(xs[n]), th[n] = tanh_vec(xs[n]);
  const Worst w = worst_of(xs, sig, th);
  EXPECT_LT(w.sig, kSigmoidAbsolute);
  EXPECT_LT(w.tanh, kTanhAbsolute);
}

TEST(Vmath, CpuCloneMeetsTheSameBounds) {
  const std::vector<float> xs = sweep();
  std::vector<float> sig(xs.size()), th(xs.size());
  activate_clone(xs.data(), sig.data(), th.data(), xs.size());
  const Worst w = worst_of(xs, sig, th);
  EXPECT_LT(w.sig, kSigmoidAbsolute);
  EXPECT_LT(w.tanh, kTanhAbsolute);
  std::printf("clone: sigmoid %.3g, tanh %.3g\n", w.sig, w.tanh);
}

TEST(Vmath, SaturatesCleanlyAndKeepsSymmetry) {
  for (float x : {-1e30f, -200.0f, 200.0f, 1e30f}) {
    EXPECT_TRUE(std::isfinite(sigmoid_vec(x)));
    EXPECT_TRUE(std::isfinite(tanh_vec(x)));
  }
  EXPECT_NEAR(sigmoid_vec(200.0f), 1.0, kSigmoidAbsolute);
  EXPECT_NEAR(sigmoid_vec(-200.0f), 0.0, kSigmoidAbsolute);
  EXPECT_GE(sigmoid_vec(-200.0f), 0.0f);
  EXPECT_LE(sigmoid_vec(200.0f), 1.0f);
  EXPECT_NEAR(tanh_vec(50.0f), 1.0, kTanhAbsolute);
  EXPECT_LE(tanh_vec(50.0f), 1.0f);
  EXPECT_EQ(sigmoid_vec(0.0f), 0.5f);
  EXPECT_EQ(tanh_vec(0.0f), 0.0f);
  // Odd by construction: the clamp and x P(x^2) / Q(x^2) are symmetric.
  for (float x : {1e-6f, 0.3f, 1.7f, 4.2f, 8.0f, 9.0f, 50.0f})
    EXPECT_EQ(tanh_vec(-x), -tanh_vec(x)) << x;
}

}  // namespace
}  // namespace sentiment
