// The training record written into the run folder: history.json shaped like Keras's
// History.history plus the resolved configuration and test metrics, and the same per-epoch
// figures as history.csv.
#pragma once

#include <filesystem>
#include <string>

#include "train/trainer.h"

namespace sentiment {

struct RunRecord {
  History history;
  std::string config_json;  // the resolved configuration as a JSON object
  bool has_test = false;
  Metrics test;
  double total_seconds = 0.0;
};

std::string history_to_json(const RunRecord& record);
std::string history_to_csv(const History& history);

// Writes history.json and history.csv into dir (atomically each).
void write_history(const std::filesystem::path& dir, const RunRecord& record);

}  // namespace sentiment
