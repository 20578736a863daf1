// Dropout masks: 0 or 1 / (1 - p), about p of them 0, the same for the same seed.
#include <gtest/gtest.h>

#include <vector>

#include "layers/dropout.h"

namespace sentiment {
namespace {

TEST(Dropout, MaskIsInvertedAndSeeded) {
  std::vector<float> a, b;
  Rng r1(5), r2(5);
  dropout_mask(a, 10000, 0.3f, r1);
  dropout_mask(b, 10000, 0.3f, r2);
  EXPECT_EQ(a, b);
  size_t zeros = 0;
  for (float m : a) {
    if (m == 0.0f)
      ++zeros;
    else
      EXPECT_FLOAT_EQ(m, 1.0f / 0.7f);
  }
  EXPECT_NEAR(static_cast<double>(zeros) / 10000.0, 0.3, 0.02);
  std::vector<double> x(10000, 2.0);
  dropout_apply(x.data(), a.data(), x.size());
  for (size_t k = 0; k < x.size(); ++k) EXPECT_DOUBLE_EQ(x[k], 2.0 * a[k]);
}

}  // namespace
}  // namespace sentiment
