// The test report against metrics worked out by hand on a small fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

// Five rows, three classes (rows sum to 1, as softmax outputs do):
//   row  p(0)  p(1)  p(2)  true  predicted
//   0    0.7   0.2   0.1   0     0
//   1    0.1   0.6   0.3   1     1
//   2    0.2   0.5   0.3   2     1
//   3    0.1   0.1   0.8   2     2
//   4    0.5   0.25  0.25  1     0
// Confusion (rows true): [1 0 0; 1 1 0; 0 1 1].
//   class 0: precision 1/2, recall 1/1, F1 2/3, support 1
//   class 1: precision 1/2, recall 1/2, F1 1/2, support 2
//   class 2: precision 1/1, recall 1/2, F1 2/3, support 2
// Accuracy 3/5. Macro: P (1/2 + 1/2 + 1)/3 = 2/3, R (1 + 1/2 + 1/2)/3 = 2/3,
// F1 (2/3 + 1/2 + 2/3)/3 = 11/18. Weighted by 1, 2, 2 of 5: P (0.5 + 1 + 2)/5 = 0.7,
// R (1 + 1 + 1)/5 = 0.6, F1 (2/3 + 1 + 4/3)/5 = 0.6.
// Log loss: -(ln 0.7 + ln 0.6 + ln 0.3 + ln 0.8 + ln 0.25) / 5.
const std::vector<float> kProbs = {
    0.7f, 0.2f,  0.1f,   // row 0
    0.1f, 0.6f,  0.3f,   // row 1
    0.2f, 0.5f,  0.3f,   // row 2
    0.1f, 0.1f,  0.8f,   // row 3
    0.5f, 0.25f, 0.25f,  // row 4
};
const std::vector<int32_t> kLabels = {0, 1, 2, 2, 1};
const std::vector<std::string> kNames = {"neg", "neu", "pos"};

TEST(MulticlassReport, HandComputedFixture) {
  const MulticlassReport r = multiclass_report(kProbs, kLabels, 3);
  EXPECT_EQ(r.n, 5u);
  EXPECT_EQ(r.num_classes, 3u);
  EXPECT_EQ(r.confusion, (std::vector<size_t>{1, 0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(r.confusion_at(1, 0), 1u);
  EXPECT_EQ(r.confusion_at(0, 1), 0u);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.6);
  ASSERT_EQ(r.classes.size(), 3u);
  const double expected[3][3] = {{0.5, 1.0, 2.0 / 3.0}, {0.5, 0.5, 0.5}, {1.0, 0.5, 2.0 / 3.0}};
  const size_t support[3] = {1, 2, 2};
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_DOUBLE_EQ(r.classes[c].precision, expected[c][0]) << "class " << c;
    EXPECT_DOUBLE_EQ(r.classes[c].recall, expected[c][1]) << "class " << c;
    EXPECT_DOUBLE_EQ(r.classes[c].f1, expected[c][2]) << "class " << c;
    EXPECT_EQ(r.classes[c].support, support[c]) << "class " << c;
  }
  EXPECT_DOUBLE_EQ(r.macro_avg.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.macro_avg.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.macro_avg.f1, 11.0 / 18.0);
  EXPECT_EQ(r.macro_avg.support, 5u);
  EXPECT_DOUBLE_EQ(r.weighted_avg.precision, 0.7);
  EXPECT_DOUBLE_EQ(r.weighted_avg.recall, 0.6);
  EXPECT_DOUBLE_EQ(r.weighted_avg.f1, 0.6);
  const double loss =
      -(std::log(0.7) + std::log(0.6) + std::log(0.3) + std::log(0.8) + std::log(0.25)) / 5.0;
  EXPECT_NEAR(r.log_loss, loss, 1e-6);
}

TEST(MulticlassReport, TiesPredictTheLowerClassAndEmptyColumnsScoreZero) {
  // Both rows tie between classes 0 and 1 and are predicted 0; class 1 is never predicted
  // (precision 0 by the zero-division rule) and class 2 has no rows (recall 0).
  const MulticlassReport r = multiclass_report(
      std::vector<float>{0.4f, 0.4f, 0.2f, 0.4f, 0.4f, 0.2f}, std::vector<int32_t>{0, 1}, 3);
  EXPECT_EQ(r.confusion, (std::vector<size_t>{1, 0, 0, 1, 0, 0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(r.classes[0].precision, 0.5);
  EXPECT_EQ(r.classes[1].precision, 0.0);
  EXPECT_EQ(r.classes[1].f1, 0.0);
  EXPECT_EQ(r.classes[2].recall, 0.0);
  EXPECT_EQ(r.classes[2].support, 0u);
  EXPECT_DOUBLE_EQ(r.macro_avg.recall, 1.0 / 3.0);  // (1 + 0 + 0) / 3: absent classes count
}

TEST(MulticlassReport, LogLossClipsAConfidentMistake) {
  const MulticlassReport r =
      multiclass_report(std::vector<float>{1.0f, 0.0f}, std::vector<int32_t>{1}, 2);
  EXPECT_NEAR(r.log_loss, -std::log(1e-7), 1e-9);
}

TEST(MulticlassReport, RejectsBadInput) {
  EXPECT_THROW(multiclass_report(kProbs, std::vector<int32_t>{0, 1}, 3), Error);  // 15 != 6
  EXPECT_THROW(multiclass_report(kProbs, std::vector<int32_t>{0, 1, 3, 2, 1}, 3), Error);
  EXPECT_THROW(multiclass_report(kProbs, std::vector<int32_t>{0, 1, -1, 2, 1}, 3), Error);
  EXPECT_THROW(multiclass_report({}, {}, 3), Error);
  EXPECT_THROW(multiclass_report(std::vector<float>{1.0f}, std::vector<int32_t>{0}, 1), Error);
  const MulticlassReport r = multiclass_report(kProbs, kLabels, 3);
  EXPECT_THROW(report_to_json(r, {"a", "b"}), Error);
  EXPECT_THROW(report_to_text(r, {"a", "b"}), Error);
}

TEST(MulticlassReport, JsonCarriesEveryFigure) {
  const auto j =
      nlohmann::json::parse(report_to_json(multiclass_report(kProbs, kLabels, 3), kNames));
  EXPECT_EQ(j.at("n"), 5);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 0.6);
  ASSERT_EQ(j.at("classes").size(), 3u);
  EXPECT_EQ(j.at("classes")[2].at("label"), "pos");
  EXPECT_DOUBLE_EQ(j.at("classes")[2].at("recall").get<double>(), 0.5);
  EXPECT_EQ(j.at("classes")[1].at("support"), 2);
  EXPECT_DOUBLE_EQ(j.at("macro_avg").at("f1").get<double>(), 11.0 / 18.0);
  EXPECT_DOUBLE_EQ(j.at("weighted_avg").at("precision").get<double>(), 0.7);
  EXPECT_EQ(j.at("confusion_matrix").at("matrix"),
            nlohmann::json::parse("[[1,0,0],[1,1,0],[0,1,1]]"));
  EXPECT_EQ(j.at("confusion_matrix").at("labels"), nlohmann::json(kNames));
}

TEST(MulticlassReport, TextFollowsClassificationReportLayout) {
  const std::string t = report_to_text(multiclass_report(kProbs, kLabels, 3), kNames);
  // sklearn's layout with digits=4: names right-aligned to the width of "weighted avg",
  // then " " and " %9" per column; the accuracy row leaves precision and recall blank.
  const char* lines[] = {
      "              precision    recall  f1-score   support\n\n",
      "         neg     0.5000    1.0000    0.6667         1\n",
      "         pos     1.0000    0.5000    0.6667         2\n\n",
      "    accuracy                         0.6000         5\n",
      "   macro avg     0.6667    0.6667    0.6111         5\n",
      "weighted avg     0.7000    0.6000    0.6000         5\n",
      "Confusion matrix (rows: actual, columns: predicted)\n",
      "                  neg        neu        pos\n",
      "neu                 1          1          0\n",
  };
  for (const char* line : lines) EXPECT_NE(t.find(line), std::string::npos) << line << "in\n" << t;
}

}  // namespace
}  // namespace sentiment
