// Adam against steps computed by hand from the Keras update rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "optim/adam.h"

namespace sentiment {
namespace {

TEST(Adam, FirstStepMovesEachParameterByLearningRate) {
  // Step 1: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1, so the update is
  // lr * g / (|g| + eps / sqrt(0.001)) ~= lr * sign(g).
  Adam adam({}, 3);
  std::vector<float> p = {1.0f, -2.0f, 0.5f};
  const std::vector<float> g = {0.3f, -4.0f, 0.0f};
  adam.step(p, g);
  const double eps_term = 1e-7 / std::sqrt(1e-3);
  EXPECT_NEAR(p[0], 1.0 - 1e-3 * 0.3 / (0.3 + eps_term), 1e-7);
  EXPECT_NEAR(p[1], -2.0 + 1e-3 * 4.0 / (4.0 + eps_term), 1e-7);
  EXPECT_FLOAT_EQ(p[2], 0.5f);
  EXPECT_EQ(adam.steps(), 1);
}

TEST(Adam, SecondStepMatchesHandComputation) {
  AdamConfig cfg;
  cfg.learning_rate = 0.01;
  Adam adam(cfg, 1);
  std::vector<float> p = {0.0f};
  adam.step(p, std::vector<float>{1.0f});
  adam.step(p, std::vector<float>{-2.0f});
  // By hand, in double.
  double m = 0, v = 0, x = 0;
  const double grads[] = {1.0, -2.0};
  for (int t = 1; t <= 2; ++t) {
    m = 0.9 * m + 0.1 * grads[t - 1];
    v = 0.999 * v + 0.001 * grads[t - 1] * grads[t - 1];
    const double alpha = 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    x -= alpha * m / (std::sqrt(v) + 1e-7);
  }
  EXPECT_NEAR(p[0], x, 1e-6);
}

TEST(Adam, ParallelUpdateIsIdenticalToSerial) {
  const size_t n = 300000;  // several chunks
  std::vector<float> p1(n), p2, g(n);
  for (size_t k = 0; k < n; ++k) {
    p1[k] = static_cast<float>(k % 97) * 0.01f;
    g[k] = static_cast<float>(static_cast<int>(k % 13) - 6) * 0.1f;
  }
  p2 = p1;
  Adam serial({}, n), parallel({}, n);
  ThreadPool pool(3);
  for (int s = 0; s < 3; ++s) {
    serial.step(p1, g);
    parallel.step(p2, g, &pool);
  }
  EXPECT_EQ(p1, p2);
}

TEST(Adam, RejectsMismatchedSizes) {
  Adam adam({}, 2);
  std::vector<float> p(3);
  EXPECT_THROW(adam.step(p, std::vector<float>(3)), Error);
  std::vector<float> q(2), g(2);
  const ParamRange outside[] = {{1, 3}};
  EXPECT_THROW(adam.step(q, g, outside), Error);
}

// Lazy steps: inside the ranges exactly the dense update, outside nothing moves, not even
// the moments, while a dense step keeps moving parameters on their momentum.
TEST(Adam, RangesUpdateOnlyTheirParameters) {
  const size_t n = 200000;  // several tasks, some ranges split, many short ones grouped
  std::vector<float> g(n), dense_p(n, 1.0f);
  for (size_t k = 0; k < n; ++k) g[k] = static_cast<float>(static_cast<int>(k % 7) - 3) * 0.2f;
  std::vector<float> lazy_p = dense_p;
  Adam dense({}, n), lazy({}, n);
  ThreadPool pool(2);
  dense.step(dense_p, g, &pool);
  lazy.step(lazy_p, g, &pool);  // the first step touches everything
  std::vector<ParamRange> ranges = {{0, 70000}};
  for (size_t b = 100000; b + 32 <= n; b += 96) ranges.push_back({b, b + 32});
  std::vector<float> g2(n, 0.0f);
  std::vector<bool> inside(n, false);
  for (const auto& r : ranges)
    for (size_t k = r.begin; k < r.end; ++k) g2[k] = g[k] * 0.5f, inside[k] = true;
  const std::vector<float> before = lazy_p;
  const std::vector<float> m_before = lazy.m();
  dense.step(dense_p, g2, &pool);
  lazy.step(lazy_p, g2, ranges, &pool);
  EXPECT_EQ(lazy.steps(), 2);
  size_t moved_outside = 0;
  for (size_t k = 0; k < n; ++k) {
    if (inside[k]) {
      ASSERT_EQ(lazy_p[k], dense_p[k]) << k;
      ASSERT_EQ(lazy.m()[k], dense.m()[k]) << k;
    } else {
      ASSERT_EQ(lazy_p[k], before[k]) << k;
      ASSERT_EQ(lazy.m()[k], m_before[k]) << k;
      moved_outside += dense_p[k] != before[k] ? 1 : 0;
    }
  }
  EXPECT_GT(moved_outside, n / 4);  // dense Adam moves untouched parameters on momentum
}

// A step in parts (begin_step, then update over disjoint ranges, the second part later and
// after other work) is the same step: identical parameters and moments. clear_grad zeroes
// exactly the gradient elements the update read.
TEST(Adam, StepInPartsMatchesOneStepAndClearsWhatItRead) {
  const size_t n = 150000;
  std::vector<float> g(n), whole_p(n);
  for (size_t k = 0; k < n; ++k) {
    g[k] = static_cast<float>(static_cast<int>(k % 11) - 5) * 0.3f;
    whole_p[k] = static_cast<float>(k % 89) * 0.02f;
  }
  std::vector<float> parts_p = whole_p;
  Adam whole({}, n), parts({}, n);
  ThreadPool pool(2);
  std::vector<ParamRange> first, second;
  for (size_t b = 0; b < n; b += 1000) (b / 1000 % 3 ? first : second).push_back({b, b + 1000});
  for (int step = 0; step < 3; ++step) {
    const std::vector<float> scaled = [&] {
      std::vector<float> s(g);
      for (float& x : s) x *= static_cast<float>(step + 1);
      return s;
    }();
    whole.step(whole_p, scaled, &pool);
    std::vector<float> grad = scaled;
    const Adam::StepCoefficients k = parts.begin_step();
    parts.update(parts_p, grad, first, k, true, &pool);
    for (const ParamRange& r : second)  // not read yet
      for (size_t i = r.begin; i < r.end; ++i) ASSERT_EQ(grad[i], scaled[i]) << i;
    parts.update(parts_p, grad, second, k, true);
    EXPECT_TRUE(std::all_of(grad.begin(), grad.end(), [](float x) { return x == 0.0f; }));
  }
  EXPECT_EQ(parts.steps(), 3);
  EXPECT_EQ(parts_p, whole_p);
  EXPECT_EQ(parts.m(), whole.m());
  EXPECT_EQ(parts.v(), whole.v());
}

}  // namespace
}  // namespace sentiment
