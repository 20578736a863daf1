// The test report against metrics worked out by hand on a small fixture.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "train/report.h"

namespace sentiment {
namespace {

// Six rows: scores and labels chosen so every cell of the confusion matrix is used.
//   p:  0.9  0.8  0.6  0.4  0.3  0.2
//   y:  1    1    0    1    0    0
// Predicted positive (p > 0.5): rows 0, 1, 2 -> TP = 2, FP = 1; negative: 3, 4, 5 -> FN = 1,
// TN = 2. Accuracy 4/6, precision 2/3, recall 2/3, F1 2/3. Of the 3 x 3 positive/negative
// pairs the positive scores higher in 8 (all but 0.4 vs 0.6): AUC = 8/9.
TEST(Report, HandComputedFixture) {
  const std::vector<float> p = {0.9f, 0.8f, 0.6f, 0.4f, 0.3f, 0.2f};
  const std::vector<float> y = {1, 1, 0, 1, 0, 0};
  const BinaryReport r = binary_report(p, y);
  EXPECT_EQ(r.n, 6u);
  EXPECT_EQ(r.tp, 2u);
  EXPECT_EQ(r.fp, 1u);
  EXPECT_EQ(r.fn, 1u);
  EXPECT_EQ(r.tn, 2u);
  EXPECT_DOUBLE_EQ(r.accuracy, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(r.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.f1, 2.0 / 3.0);
  EXPECT_NEAR(r.roc_auc, 8.0 / 9.0, 1e-12);
  const double loss = -(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.4) +
                        std::log(0.7) + std::log(0.8)) /
                      6.0;
  EXPECT_NEAR(r.log_loss, loss, 1e-6);
  ASSERT_EQ(r.roc.size(), 7u);
  EXPECT_DOUBLE_EQ(r.roc.front().fpr, 0.0);
  EXPECT_DOUBLE_EQ(r.roc.back().tpr, 1.0);
  EXPECT_DOUBLE_EQ(r.roc.back().fpr, 1.0);
}

TEST(Report, TiesCountAsHalf) {
  const BinaryReport r = binary_report({0.5f, 0.5f}, {1, 0});
  EXPECT_DOUBLE_EQ(r.roc_auc, 0.5);
  EXPECT_EQ(r.roc.size(), 2u);  // one point for the tied score
}

TEST(Report, RejectsMismatchedOrEmptyInput) {
  EXPECT_THROW(binary_report({0.1f}, {1, 0}), Error);
  EXPECT_THROW(binary_report({}, {}), Error);
}

}  // namespace
}  // namespace sentiment
