// The dense layer: finite differences in double for dx, dw and db.
#include <gtest/gtest.h>

#include <vector>

#include "layers/dense.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

TEST(DenseLayer, MatchesFiniteDifferences) {
  const size_t B = 3, I = 4, O = 2;
  Rng rng(1);
  auto x = random_vector(B * I, rng), w = random_vector(I * O, rng), b = random_vector(O, rng);
  const auto proj = random_vector(B * O, rng);
  auto loss = [&] {
    std::vector<double> y(B * O);
    dense_forward<double>(y.data(), x.data(), {w.data(), b.data()}, B, I, O);
    double l = 0;
    for (size_t k = 0; k < y.size(); ++k) l += proj[k] * y[k];
    return l;
  };
  std::vector<double> dx(B * I), dw(I * O), db(O);
  dense_backward<double>(dx.data(), {dw.data(), db.data()}, proj.data(), x.data(),
                         {w.data(), b.data()}, B, I, O);
  EXPECT_LT(relative_error(dx, numeric_gradient(x, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(dw, numeric_gradient(w, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(db, numeric_gradient(b, loss)), kGradientTolerance);
  // Backward accumulates: a second call doubles every gradient.
  const auto dw1 = dw;
  dense_backward<double>(nullptr, {dw.data(), db.data()}, proj.data(), x.data(),
                         {w.data(), b.data()}, B, I, O);
  for (size_t k = 0; k < dw.size(); ++k) EXPECT_DOUBLE_EQ(dw[k], 2 * dw1[k]);
}

}  // namespace
}  // namespace sentiment
