// What fit does between epochs: the history, the best epoch by the checkpoint monitor, the
// learning-rate schedule, early stopping (and the best weights it restores), and the
// training state a checkpoint holds and a resumed run starts from.
#pragma once

#include <optional>
#include <string>

#include "core/rng.h"
#include "model/model.h"
#include "optim/adam.h"
#include "train/callbacks.h"
#include "train/trainer.h"

namespace sentiment {

// The logs an epoch reports to the schedule, early stopping and the best-epoch tracker:
// loss and accuracy, and val_loss and val_accuracy when there were validation rows.
EpochLogs logs_of(const EpochResult& result);

class EpochEnd {
 public:
  explicit EpochEnd(const TrainConfig& config);

  // Puts a checkpoint's state back: the model's parameters, Adam's moments and step count,
  // the shuffling stream, the schedule, early stopping, the best epoch and the history.
  // Returns the first epoch to run.
  int resume(const TrainState& state, Model& model, Adam& adam, Rng& shuffle_rng);

  double learning_rate(int epoch) const { return scheduler_.lr_for_epoch(epoch); }

  // Records a finished epoch (setting result.best), steps the schedule and early stopping,
  // then calls callbacks.epoch_end and callbacks.checkpoint. Returns whether to stop.
  bool on_epoch_end(EpochResult& result, const Model& model, const Adam& adam,
                    const Rng& shuffle_rng, const TrainCallbacks& callbacks);

  // After the last epoch: puts back the best epoch's weights when early stopping asks to.
  void on_train_end(Model& model) const;

  const History& history() const { return progress_.history; }

 private:
  std::string monitor_;  // TrainConfig::checkpoint_monitor
  LrScheduler scheduler_;
  std::optional<EarlyStopping> stopper_;
  bool keep_best_ = false;          // early stopping restores the best weights
  EarlyStopping best_tracker_;      // only its notion of "best" is used
  TrainProgress progress_;          // brought up to date at each epoch's end
  std::vector<float> best_params_;  // kept only when early stopping restores them
};

}  // namespace sentiment
