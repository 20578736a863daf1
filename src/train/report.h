// Binary classification report for `sentiment test`: counts, accuracy, precision, recall,
// F1, ROC AUC, log loss, the confusion matrix, and the ROC curve.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sentiment {

struct RocPoint {
  double fpr = 0.0, tpr = 0.0, threshold = 0.0;
};

struct BinaryReport {
  size_t n = 0;
  size_t tp = 0, fp = 0, tn = 0, fn = 0;  // positive = label 1, predicted when p > 0.5
  double accuracy = 0.0, precision = 0.0, recall = 0.0, f1 = 0.0;
  double roc_auc = 0.0;
  double log_loss = 0.0;
  std::vector<RocPoint> roc;  // from (0, 0) to (1, 1), one point per distinct score
};

// probabilities: P(label 1) per row; labels: 0 or 1. Ties in scores are handled exactly
// (one ROC point per distinct score; AUC counts tied pairs as one half).
BinaryReport binary_report(const std::vector<float>& probabilities,
                           const std::vector<float>& labels);

std::string report_to_json(const BinaryReport& report, const std::vector<std::string>& labels);
std::string report_to_text(const BinaryReport& report, const std::vector<std::string>& labels);

}  // namespace sentiment
