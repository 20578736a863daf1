// Serialisation of the run record with nlohmann::json.
#include "train/history.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "core/file_util.h"

namespace sentiment {

std::string history_to_json(const RunRecord& r) {
  nlohmann::ordered_json j;
  j["loss"] = r.history.loss;
  j["accuracy"] = r.history.accuracy;
  j["val_loss"] = r.history.val_loss;
  j["val_accuracy"] = r.history.val_accuracy;
  j["epoch_seconds"] = r.history.epoch_seconds;
  j["learning_rate"] = r.history.learning_rate;
  j["config"] = r.config_json.empty() ? nlohmann::ordered_json::object()
                                      : nlohmann::ordered_json::parse(r.config_json);
  if (r.has_test) {
    j["test_loss"] = r.test.loss;
    j["test_accuracy"] = r.test.accuracy;
    j["test_samples"] = r.test.n;
  }
  j["total_seconds"] = r.total_seconds;
  return j.dump(2) + "\n";
}

std::string history_to_csv(const History& h) {
  std::string out = "epoch,loss,accuracy,val_loss,val_accuracy,epoch_seconds,learning_rate\n";
  char line[256];
  for (size_t e = 0; e < h.loss.size(); ++e) {
    const double lr = e < h.learning_rate.size() ? h.learning_rate[e] : 0.0;
    std::snprintf(line, sizeof line, "%zu,%.6f,%.6f,%.6f,%.6f,%.3f,%.6g\n", e + 1, h.loss[e],
                  h.accuracy[e], h.val_loss[e], h.val_accuracy[e], h.epoch_seconds[e], lr);
    out += line;
  }
  return out;
}

void write_history(const std::filesystem::path& dir, const RunRecord& record) {
  write_file_atomic(dir / "history.json", history_to_json(record));
  write_file_atomic(dir / "history.csv", history_to_csv(record.history));
}

}  // namespace sentiment
