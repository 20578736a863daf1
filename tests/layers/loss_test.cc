// The losses: binary and softmax cross-entropy against finite differences and closed forms,
// class weights, stability for huge logits, and probabilities and classes from logits.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "layers/loss.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

TEST(BceWithLogits, MatchesFiniteDifferencesAndClosedForm) {
  Rng rng(2);
  auto z = random_vector(6, rng, 4.0);
  const std::vector<double> y = {0, 1, 1, 0, 1, 0};
  const double scale = 1.0 / 6.0;
  std::vector<double> dz(6);
  const double total = bce_with_logits(dz.data(), z.data(), y.data(), 6, scale);
  double expected = 0;
  for (size_t n = 0; n < 6; ++n) {
    const double p = 1.0 / (1.0 + std::exp(-z[n]));
    expected += -(y[n] * std::log(p) + (1 - y[n]) * std::log(1 - p));
  }
  EXPECT_NEAR(total, expected, 1e-12);
  auto loss = [&] { return bce_with_logits<double>(nullptr, z.data(), y.data(), 6, 1.0) * scale; };
  EXPECT_LT(relative_error(dz, numeric_gradient(z, loss)), kGradientTolerance);
}

TEST(BceWithLogits, StableForHugeLogits) {
  const std::vector<float> z = {100.0f, -100.0f, 100.0f}, y = {1.0f, 0.0f, 0.0f};
  std::vector<float> dz(3);
  const double total = bce_with_logits(dz.data(), z.data(), y.data(), 3, 1.0f);
  EXPECT_NEAR(total, 100.0, 1e-4);  // only the wrong one costs, about |z|
  EXPECT_TRUE(std::isfinite(total));
  EXPECT_NEAR(dz[0], 0.0f, 1e-6f);
  EXPECT_NEAR(dz[2], 1.0f, 1e-6f);
}

// Softmax cross-entropy over K = 4 classes and weighted BCE, each against finite
// differences and the closed form -w_y log p_y.
TEST(CrossEntropy, SoftmaxAndWeightedMatchFiniteDifferences) {
  Rng rng(4);
  const size_t n = 5, K = 4;
  const std::vector<double> labels = {0, 3, 1, 2, 3}, weights = {1.0, 0.5, 2.0, 1.5};
  auto z = random_vector(n * K, rng, 3.0);
  for (bool weighted : {false, true}) {
    const std::vector<double> w = weighted ? weights : std::vector<double>{};
    std::vector<double> dz(n * K);
    const double total = cross_entropy<double>(dz.data(), z.data(), labels.data(), n, K, 0.5, w);
    double expected = 0.0;
    for (size_t r = 0; r < n; ++r) {
      double s = 0.0;
      for (size_t k = 0; k < K; ++k) s += std::exp(z[r * K + k]);
      const auto y = static_cast<size_t>(labels[r]);
      expected += (weighted ? weights[y] : 1.0) * -std::log(std::exp(z[r * K + y]) / s);
    }
    EXPECT_NEAR(total, expected, 1e-10) << weighted;
    auto loss = [&] {
      return 0.5 * cross_entropy<double>(nullptr, z.data(), labels.data(), n, K, 1.0, w);
    };
    EXPECT_LT(relative_error(dz, numeric_gradient(z, loss)), kGradientTolerance) << weighted;
  }
  auto b = random_vector(n, rng, 3.0);
  const std::vector<double> y01 = {0, 1, 1, 0, 1}, w2 = {3.0, 0.5};
  std::vector<double> db(n);
  cross_entropy<double>(db.data(), b.data(), y01.data(), n, 2, 1.0, w2);
  auto loss = [&] { return cross_entropy<double>(nullptr, b.data(), y01.data(), n, 2, 1.0, w2); };
  EXPECT_LT(relative_error(db, numeric_gradient(b, loss)), kGradientTolerance);
}

TEST(Loss, ClassProbabilitiesAndClasses) {
  const std::vector<float> binary = {0.0f, 2.0f};
  const auto p2 = class_probabilities(binary, 2);
  ASSERT_EQ(p2.size(), 4u);
  EXPECT_FLOAT_EQ(p2[0], 0.5f);
  EXPECT_NEAR(p2[3], 1.0 / (1.0 + std::exp(-2.0)), 1e-6);
  const std::vector<float> three = {1.0f, 2.0f, 3.0f};
  const auto p3 = class_probabilities(three, 3);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(p3[2], std::exp(3.0) / z, 1e-6);
  EXPECT_EQ(predicted_classes(three, 3), std::vector<int32_t>{2});
  EXPECT_EQ(predicted_classes(binary, 2), (std::vector<int32_t>{0, 1}));
  const std::vector<float> labels2 = {1.0f, 1.0f}, labels3 = {2.0f};
  EXPECT_EQ(count_correct(binary.data(), labels2.data(), 2, 2), 1u);
  EXPECT_EQ(count_correct(three.data(), labels3.data(), 1, 3), 1u);
}

}  // namespace
}  // namespace sentiment
