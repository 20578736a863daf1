// One training run as `sentiment train` and the public train() make it: read and encode the
// data a run configuration names, build and initialise the model, fit with Keras semantics,
// evaluate on the test split, and (given a run folder) write the best and final models, the
// resumable checkpoint, config.json, the history and the plots.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "io/classifier.h"
#include "run/run_config.h"
#include "train/checkpoint.h"
#include "train/history.h"
#include "train/trainer.h"

namespace sentiment {

// The files a run leaves in its folder.
inline constexpr const char* kCheckpointName = "checkpoint.state";

struct TrainingRun {
  RunConfig config;  // resolved (validated by run_training)
  // Continue the run in out from this checkpoint (config must be the checkpoint's).
  std::optional<Checkpoint> resume;
  std::filesystem::path out;  // the run folder; empty: nothing is written
  bool overwrite = false;     // replace a finished run in out (refused otherwise)
  bool plot = true;           // draw accuracy and loss plots into out
  bool allow_download = false;
  std::filesystem::path project_root;  // also searched for the IMDB data (data/ below it)
  size_t threads = 0;                  // 0: one per core

  // Lines about the run (data, model, test figures), without a trailing newline.
  std::function<void(const std::string&)> log;
  // Notices that are not the run's results (skipped rows, where the data came from).
  std::function<void(const std::string&)> notice;
  // Progress: called after the run's own handling (checkpoints, best model) of each event.
  TrainCallbacks callbacks;
};

struct TrainingResult {
  Classifier classifier;  // the final model, ready for raw text
  RunRecord record;       // history, resolved configuration, test figures, total time
  bool wrote_best = false;
};

// Throws Error for a bad configuration, a run folder that holds a run (without overwrite) or
// cannot be written, missing or bad data, and a run that diverges.
TrainingResult run_training(const TrainingRun& run);

// The checkpoint of the run in out, with an error that says why when there is none.
std::filesystem::path checkpoint_to_resume(const std::filesystem::path& out);

}  // namespace sentiment
