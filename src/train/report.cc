// Metrics computed in double from the probabilities, the ROC curve by one sort.
#include "train/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"

namespace sentiment {

BinaryReport binary_report(const std::vector<float>& p, const std::vector<float>& y) {
  if (p.size() != y.size())
    throw Error("report: got " + std::to_string(p.size()) + " predictions for " +
                std::to_string(y.size()) + " labels");
  BinaryReport r;
  r.n = p.size();
  if (r.n == 0) throw Error("report: no rows to evaluate");
  // Clamp as Keras does so a confident mistake costs a large but finite log loss.
  constexpr double kEps = 1e-7;
  double loss = 0.0;
  for (size_t k = 0; k < r.n; ++k) {
    const bool actual = y[k] > 0.5f, predicted = p[k] > 0.5f;
    r.tp += actual && predicted;
    r.fp += !actual && predicted;
    r.tn += !actual && !predicted;
    r.fn += actual && !predicted;
    const double q = std::clamp(static_cast<double>(p[k]), kEps, 1.0 - kEps);
    loss -= actual ? std::log(q) : std::log(1.0 - q);
  }
  auto ratio = [](size_t a, size_t b) { return b == 0 ? 0.0 : double(a) / double(b); };
  r.log_loss = loss / double(r.n);
  r.accuracy = ratio(r.tp + r.tn, r.n);
  r.precision = ratio(r.tp, r.tp + r.fp);
  r.recall = ratio(r.tp, r.tp + r.fn);
  r.f1 = (r.precision + r.recall) == 0.0 ? 0.0
                                         : 2.0 * r.precision * r.recall / (r.precision + r.recall);

  // ROC: sweep thresholds from the highest score down; AUC by the trapezoid rule, which
  // equals the Mann-Whitney statistic with ties counted as one half.
  std::vector<size_t> order(r.n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  const size_t pos = r.tp + r.fn, neg = r.tn + r.fp;
  size_t tp = 0, fp = 0;
  r.roc.push_back({0.0, 0.0, 1.0});
  double auc = 0.0;
  for (size_t k = 0; k < r.n;) {
    const float score = p[order[k]];
    const size_t tp0 = tp, fp0 = fp;
    for (; k < r.n && p[order[k]] == score; ++k) (y[order[k]] > 0.5f ? tp : fp)++;
    auc += ratio(fp - fp0, neg) * (ratio(tp, pos) + ratio(tp0, pos)) / 2.0;
    r.roc.push_back({ratio(fp, neg), ratio(tp, pos), score});
  }
  r.roc_auc = (pos == 0 || neg == 0) ? 0.0 : auc;
  return r;
}

std::string report_to_json(const BinaryReport& r, const std::vector<std::string>& labels) {
  nlohmann::ordered_json j;
  j["n"] = r.n;
  j["accuracy"] = r.accuracy;
  j["precision"] = r.precision;
  j["recall"] = r.recall;
  j["f1"] = r.f1;
  j["roc_auc"] = r.roc_auc;
  j["log_loss"] = r.log_loss;
  j["positive_label"] = labels.at(1);
  j["confusion_matrix"] = {{"labels", labels},
                           {"rows", "actual"},
                           {"columns", "predicted"},
                           {"matrix", {{r.tn, r.fp}, {r.fn, r.tp}}}};
  return j.dump();
}

std::string report_to_text(const BinaryReport& r, const std::vector<std::string>& labels) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "N\t%zu\nAccuracy\t%.4f\nPrecision\t%.4f\nRecall\t%.4f\nF1\t%.4f\n"
                "ROC AUC\t%.4f\nLog loss\t%.4f\n\nConfusion matrix (rows: actual, columns: "
                "predicted)\n%-10s %10s %10s\n%-10s %10zu %10zu\n%-10s %10zu %10zu\n",
                r.n, r.accuracy, r.precision, r.recall, r.f1, r.roc_auc, r.log_loss, "",
                labels.at(0).c_str(), labels.at(1).c_str(), labels.at(0).c_str(), r.tn, r.fp,
                labels.at(1).c_str(), r.fn, r.tp);
  return buf;
}

}  // namespace sentiment
