// Dense layer, embedding and binary cross-entropy: finite-difference checks in double and
// hand-worked values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/dense.h"
#include "kernels/embedding.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

TEST(DenseGradient, MatchesFiniteDifferences) {
  const size_t B = 3, I = 4, O = 2;
  Rng rng(1);
  auto x = random_vector(B * I, rng), w = random_vector(I * O, rng), b = random_vector(O, rng);
  const auto proj = random_vector(B * O, rng);
  auto loss = [&] {
    std::vector<double> y(B * O);
    kernels::dense_forward(y.data(), x.data(), w.data(), b.data(), B, I, O);
    double l = 0;
    for (size_t k = 0; k < y.size(); ++k) l += proj[k] * y[k];
    return l;
  };
  std::vector<double> dx(B * I), dw(I * O), db(O);
  kernels::dense_backward(dx.data(), dw.data(), db.data(), proj.data(), x.data(), w.data(), B, I,
                          O);
  EXPECT_LT(relative_error(dx, numeric_gradient(x, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(dw, numeric_gradient(w, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(db, numeric_gradient(b, loss)), kGradientTolerance);
}

TEST(BceWithLogits, MatchesFiniteDifferencesAndClosedForm) {
  Rng rng(2);
  auto z = random_vector(6, rng, 4.0);
  const std::vector<double> y = {0, 1, 1, 0, 1, 0};
  const double scale = 1.0 / 6.0;
  std::vector<double> dz(6);
  const double total = kernels::bce_with_logits(dz.data(), z.data(), y.data(), 6, scale);
  double expected = 0;
  for (size_t n = 0; n < 6; ++n) {
    const double p = 1.0 / (1.0 + std::exp(-z[n]));
    expected += -(y[n] * std::log(p) + (1 - y[n]) * std::log(1 - p));
  }
  EXPECT_NEAR(total, expected, 1e-12);
  auto loss = [&] {
    return kernels::bce_with_logits<double>(nullptr, z.data(), y.data(), 6, 1.0) * scale;
  };
  EXPECT_LT(relative_error(dz, numeric_gradient(z, loss)), kGradientTolerance);
}

TEST(BceWithLogits, StableForHugeLogits) {
  const std::vector<float> z = {100.0f, -100.0f, 100.0f}, y = {1.0f, 0.0f, 0.0f};
  std::vector<float> dz(3);
  const double total = kernels::bce_with_logits(dz.data(), z.data(), y.data(), 3, 1.0f);
  EXPECT_NEAR(total, 100.0, 1e-4);  // only the wrong one costs, about |z|
  EXPECT_TRUE(std::isfinite(total));
  EXPECT_NEAR(dz[0], 0.0f, 1e-6f);
  EXPECT_NEAR(dz[2], 1.0f, 1e-6f);
}

TEST(EmbeddingGradient, MatchesFiniteDifferences) {
  const size_t V = 5, T = 3, B = 2, E = 3;
  const std::vector<int32_t> tokens = {1, 4, 1, 0, 2, 4};  // (B, T), with repeats
  Rng rng(3);
  auto table = random_vector(V * E, rng);
  const auto proj = random_vector(T * B * E, rng);
  auto loss = [&] {
    std::vector<double> out(T * B * E);
    kernels::embedding_forward(out.data(), tokens.data(), T, table.data(), {T, B, E});
    double l = 0;
    for (size_t k = 0; k < out.size(); ++k) l += proj[k] * out[k];
    return l;
  };
  std::vector<double> dtable(V * E);
  kernels::embedding_backward(dtable.data(), tokens.data(), T, proj.data(), {T, B, E});
  EXPECT_LT(relative_error(dtable, numeric_gradient(table, loss)), kGradientTolerance);
  // Row 3 is never used: its gradient is exactly zero.
  for (size_t e = 0; e < E; ++e) EXPECT_EQ(dtable[3 * E + e], 0.0);
}

TEST(Embedding, OutputIsTimeMajor) {
  const std::vector<float> table = {0, 0, 10, 11, 20, 21};  // V = 3, E = 2
  const std::vector<int32_t> tokens = {1, 2, 2, 0};         // B = 2, T = 2
  std::vector<float> out(8);
  kernels::embedding_forward(out.data(), tokens.data(), 2, table.data(), {2, 2, 2});
  const std::vector<float> expected = {10, 11, 20, 21, 20, 21, 0, 0};  // t0: n0, n1; t1: n0, n1
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace sentiment
