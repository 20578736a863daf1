// Metrics computed in double from the probabilities, the ROC curve by one sort; the
// multi-class report from one pass that fills the confusion matrix.
#include "train/report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string_view>

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

namespace {

// printf onto the end of out; the attribute keeps the compiler checking every format.
[[gnu::format(printf, 2, 3)]] void appendf(std::string& out, const char* format, ...) {
  va_list args, copy;
  va_start(args, format);
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string buf(static_cast<size_t>(std::max(size, 0)) + 1, '\0');
  std::vsnprintf(buf.data(), buf.size(), format, args);
  va_end(args);
  buf.pop_back();
  out += buf;
}

void check_label_names(const MulticlassReport& r, const std::vector<std::string>& labels) {
  if (labels.size() != r.num_classes)
    throw Error("report: got " + std::to_string(labels.size()) + " class names, expected " +
                std::to_string(r.num_classes));
}

}  // namespace

MulticlassReport multiclass_report(std::span<const float> p, std::span<const int32_t> y, size_t k) {
  if (k < 2) throw Error("report: got " + std::to_string(k) + " classes, expected >= 2");
  if (y.empty()) throw Error("report: no rows to evaluate");
  if (p.size() != y.size() * k)
    throw Error("report: got " + std::to_string(p.size()) + " probabilities, expected " +
                std::to_string(y.size()) + " rows x " + std::to_string(k) +
                " classes = " + std::to_string(y.size() * k));
  MulticlassReport r;
  r.n = y.size();
  r.num_classes = k;
  r.confusion.assign(k * k, 0);
  // Keras's categorical cross-entropy on probabilities: renormalise the row, then clip, so
  // a confident mistake costs a large but finite loss.
  constexpr double kEps = 1e-7;
  double loss = 0.0;
  for (size_t i = 0; i < r.n; ++i) {
    if (y[i] < 0 || static_cast<size_t>(y[i]) >= k)
      throw Error("report: got label " + std::to_string(y[i]) + " at row " + std::to_string(i) +
                  ", expected 0.." + std::to_string(k - 1));
    const auto actual = static_cast<size_t>(y[i]);
    const float* row = p.data() + i * k;
    size_t predicted = 0;
    double sum = 0.0;
    for (size_t c = 0; c < k; ++c) {
      if (row[c] > row[predicted]) predicted = c;
      sum += row[c];
    }
    ++r.confusion[actual * k + predicted];
    const double q = sum > 0.0 ? double(row[actual]) / sum : double(row[actual]);
    loss -= std::log(std::clamp(q, kEps, 1.0 - kEps));
  }
  r.log_loss = loss / double(r.n);

  auto ratio = [](size_t a, size_t b) { return b == 0 ? 0.0 : double(a) / double(b); };
  size_t correct = 0;
  r.classes.resize(k);
  for (size_t c = 0; c < k; ++c) {
    size_t predicted = 0, support = 0;
    for (size_t j = 0; j < k; ++j) {
      predicted += r.confusion[j * k + c];
      support += r.confusion[c * k + j];
    }
    const size_t tp = r.confusion[c * k + c];
    correct += tp;
    ClassReport& cr = r.classes[c];
    cr.support = support;
    cr.precision = ratio(tp, predicted);
    cr.recall = ratio(tp, support);
    cr.f1 = cr.precision + cr.recall == 0.0
                ? 0.0
                : 2.0 * cr.precision * cr.recall / (cr.precision + cr.recall);
    r.macro_avg.precision += cr.precision / double(k);
    r.macro_avg.recall += cr.recall / double(k);
    r.macro_avg.f1 += cr.f1 / double(k);
    const double w = double(support) / double(r.n);
    r.weighted_avg.precision += cr.precision * w;
    r.weighted_avg.recall += cr.recall * w;
    r.weighted_avg.f1 += cr.f1 * w;
  }
  r.macro_avg.support = r.weighted_avg.support = r.n;
  r.accuracy = ratio(correct, r.n);
  return r;
}

std::string report_to_json(const MulticlassReport& r, const std::vector<std::string>& labels) {
  check_label_names(r, labels);
  auto row = [](const ClassReport& c) {
    nlohmann::ordered_json j;
    j["precision"] = c.precision;
    j["recall"] = c.recall;
    j["f1"] = c.f1;
    j["support"] = c.support;
    return j;
  };
  nlohmann::ordered_json j;
  j["n"] = r.n;
  j["num_classes"] = r.num_classes;
  j["accuracy"] = r.accuracy;
  j["log_loss"] = r.log_loss;
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (size_t c = 0; c < r.num_classes; ++c) {
    nlohmann::ordered_json entry;
    entry["label"] = labels[c];
    entry.update(row(r.classes[c]));
    classes.push_back(entry);
  }
  j["classes"] = classes;
  j["macro_avg"] = row(r.macro_avg);
  j["weighted_avg"] = row(r.weighted_avg);
  nlohmann::ordered_json matrix = nlohmann::ordered_json::array();
  for (size_t t = 0; t < r.num_classes; ++t) {
    nlohmann::ordered_json line = nlohmann::ordered_json::array();
    for (size_t q = 0; q < r.num_classes; ++q) line.push_back(r.confusion_at(t, q));
    matrix.push_back(line);
  }
  j["confusion_matrix"] = {
      {"labels", labels}, {"rows", "actual"}, {"columns", "predicted"}, {"matrix", matrix}};
  return j.dump();
}

std::string report_to_text(const MulticlassReport& r, const std::vector<std::string>& labels) {
  check_label_names(r, labels);
  // sklearn: the name column is as wide as the longest class name or "weighted avg".
  int width = static_cast<int>(std::string_view("weighted avg").size());
  for (const std::string& l : labels) width = std::max(width, static_cast<int>(l.size()));
  std::string out;
  appendf(out, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support");
  auto row = [&](const char* name, const ClassReport& c) {
    appendf(out, "%*s  %9.4f %9.4f %9.4f %9zu\n", width, name, c.precision, c.recall, c.f1,
            c.support);
  };
  for (size_t c = 0; c < r.num_classes; ++c) row(labels[c].c_str(), r.classes[c]);
  appendf(out, "\n%*s  %9s %9s %9.4f %9zu\n", width, "accuracy", "", "", r.accuracy, r.n);
  row("macro avg", r.macro_avg);
  row("weighted avg", r.weighted_avg);
  appendf(out, "\nLog loss\t%.4f\n\nConfusion matrix (rows: actual, columns: predicted)\n",
          r.log_loss);
  int cell = 10;
  for (const std::string& l : labels) cell = std::max(cell, static_cast<int>(l.size()));
  appendf(out, "%-*s", cell, "");
  for (const std::string& l : labels) appendf(out, " %*s", cell, l.c_str());
  out += '\n';
  for (size_t t = 0; t < r.num_classes; ++t) {
    appendf(out, "%-*s", cell, labels[t].c_str());
    for (size_t q = 0; q < r.num_classes; ++q) appendf(out, " %*zu", cell, r.confusion_at(t, q));
    out += '\n';
  }
  return out;
}

}  // namespace sentiment
