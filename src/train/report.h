// Classification reports for `sentiment test`. Binary: counts, accuracy, precision, recall,
// F1, ROC AUC, log loss, the confusion matrix, and the ROC curve. Multi-class: per-class
// precision/recall/F1/support with macro and weighted averages (sklearn's
// classification_report), accuracy, log loss and the K x K confusion matrix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
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

// One class's row of the report (or an average over classes). A ratio whose denominator is
// zero (no rows predicted or no rows of the class) is 0, as sklearn's zero_division=0.
struct ClassReport {
  double precision = 0.0, recall = 0.0, f1 = 0.0;
  size_t support = 0;  // rows whose true class this is (for averages: all rows)
};

struct MulticlassReport {
  size_t n = 0;            // rows
  size_t num_classes = 0;  // K
  double accuracy = 0.0;
  double log_loss = 0.0;  // mean -log p[true class], rows renormalised and clipped as Keras
  std::vector<ClassReport> classes;  // K entries
  ClassReport macro_avg;             // unweighted mean over all K classes
  ClassReport weighted_avg;          // mean weighted by support
  // (K, K) row-major: confusion[t * K + p] counts rows of true class t predicted as p.
  std::vector<size_t> confusion;

  size_t confusion_at(size_t actual, size_t predicted) const {
    return confusion[actual * num_classes + predicted];
  }
};

// probabilities: (N, K) row-major, e.g. softmax outputs; labels: N class ids in [0, K).
// The prediction is the arg max of a row (the lowest class on ties). Throws Error on
// mismatched sizes, no rows, K < 2 or a label out of range.
MulticlassReport multiclass_report(std::span<const float> probabilities,
                                   std::span<const int32_t> labels, size_t num_classes);

// labels: K class names, in class-id order (throws Error if the count differs).
std::string report_to_json(const MulticlassReport& report, const std::vector<std::string>& labels);
// sklearn's classification_report layout (4 digits), then log loss and the confusion matrix.
std::string report_to_text(const MulticlassReport& report, const std::vector<std::string>& labels);

}  // namespace sentiment
