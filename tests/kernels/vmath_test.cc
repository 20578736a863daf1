// The vectorised exp/sigmoid/tanh stay within the error bounds stated in vmath.h over a
// dense sweep of the input range, and saturate without inf or NaN.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/vmath.h"

namespace sentiment {
namespace {

using kernels::vmath::exp_f;
using kernels::vmath::sigmoid_f;
using kernels::vmath::tanh_f;

// The bounds documented in vmath.h.
constexpr double kExpRelative = 4e-7;
constexpr double kSigmoidAbsolute = 3e-7;
constexpr double kTanhAbsolute = 6e-7;

TEST(Vmath, ErrorBoundsOverRange) {
  double worst_exp = 0, worst_sig = 0, worst_tanh = 0;
  for (double v = -90.0; v <= 90.0; v += 1.0 / 1024.0) {
    const float x = static_cast<float>(v);
    const double xd = static_cast<double>(x);
    if (xd >= -87.0 && xd <= 88.0) {
      const double e = std::exp(xd);
      worst_exp = std::max(worst_exp, std::abs(exp_f(x) - e) / e);
    }
    worst_sig = std::max(worst_sig, std::abs(sigmoid_f(x) - 1.0 / (1.0 + std::exp(-xd))));
    worst_tanh = std::max(worst_tanh, std::abs(tanh_f(x) - std::tanh(xd)));
  }
  EXPECT_LT(worst_exp, kExpRelative);
  EXPECT_LT(worst_sig, kSigmoidAbsolute);
  EXPECT_LT(worst_tanh, kTanhAbsolute);
}

// The 8-lane versions used by the cell kernels meet the same bounds.
TEST(Vmath, VectorPathMeetsTheSameBounds) {
  using kernels::vmath::v8f;
  double worst_exp = 0, worst_sig = 0, worst_tanh = 0;
  for (double v = -90.0; v <= 90.0; v += 8.0 / 1024.0) {
    v8f x;
    for (int l = 0; l < 8; ++l) x[l] = static_cast<float>(v + l / 1024.0);
    const v8f e = kernels::vmath::exp_v(x), s = kernels::vmath::sigmoid_v(x),
              t = kernels::vmath::tanh_v(x);
    for (int l = 0; l < 8; ++l) {
      const double xd = static_cast<double>(x[l]);
      if (xd >= -87.0 && xd <= 88.0)
        worst_exp = std::max(worst_exp, std::abs(e[l] - std::exp(xd)) / std::exp(xd));
      worst_sig = std::max(worst_sig, std::abs(s[l] - 1.0 / (1.0 + std::exp(-xd))));
      worst_tanh = std::max(worst_tanh, std::abs(t[l] - std::tanh(xd)));
    }
  }
  EXPECT_LT(worst_exp, kExpRelative);
  EXPECT_LT(worst_sig, kSigmoidAbsolute);
  EXPECT_LT(worst_tanh, kTanhAbsolute);
}

TEST(Vmath, SaturatesCleanly) {
  for (float x : {-1e30f, -200.0f, 200.0f, 1e30f}) {
    EXPECT_TRUE(std::isfinite(sigmoid_f(x)));
    EXPECT_TRUE(std::isfinite(tanh_f(x)));
  }
  EXPECT_EQ(sigmoid_f(200.0f), 1.0f);
  EXPECT_NEAR(sigmoid_f(-200.0f), 0.0f, 1e-37f);
  EXPECT_EQ(tanh_f(50.0f), 1.0f);
  EXPECT_EQ(tanh_f(-50.0f), -1.0f);
  EXPECT_EQ(sigmoid_f(0.0f), 0.5f);
  EXPECT_NEAR(tanh_f(0.0f), 0.0f, 1e-7f);
}

}  // namespace
}  // namespace sentiment
