// Epoch-end bookkeeping: the history, the best epoch by the monitor, the logs without
// validation rows, and the checkpoint state it hands out.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "train/epoch_end.h"

namespace sentiment {
namespace {

EpochResult epoch_result(int epoch, double loss, double val_accuracy) {
  EpochResult r;
  r.epoch = epoch;
  r.train = {loss, 0.5, 10};
  r.val = {loss, val_accuracy, 5};
  r.learning_rate = 1e-3;
  r.seconds = 1.0;
  return r;
}

TEST(EpochEnd, LogsLeaveOutValidationWithoutValidationRows) {
  EpochResult r = epoch_result(1, 0.7, 0.6);
  EXPECT_EQ(logs_of(r).count("val_accuracy"), 1u);
  r.val = {};
  const EpochLogs logs = logs_of(r);
  EXPECT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs.count("val_loss"), 0u);
}

TEST(EpochEnd, RecordsHistoryBestEpochAndCheckpointState) {
  Model model(lstm_config(10, 2, 2));
  Rng rng(1);
  model.initialize(rng);
  TrainConfig config;
  config.epochs = 3;
  Adam adam(config.adam, model.params().size());
  EpochEnd end(config);
  std::vector<int> checkpoints;
  TrainCallbacks cb;
  cb.checkpoint = [&](const TrainStateView& s) {
    checkpoints.push_back(s.progress.epoch);
    EXPECT_EQ(s.progress.history.loss.size(), static_cast<size_t>(s.progress.epoch));
  };
  const double val_accuracy[] = {0.6, 0.8, 0.7};
  std::vector<bool> best;
  for (int e = 1; e <= 3; ++e) {
    EpochResult r = epoch_result(e, 1.0 / e, val_accuracy[e - 1]);
    EXPECT_FALSE(end.on_epoch_end(r, model, adam, rng, cb));
    best.push_back(r.best);
  }
  EXPECT_EQ(best, (std::vector<bool>{true, true, false}));  // monitor: val_accuracy
  EXPECT_EQ(checkpoints, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(end.history().loss, (std::vector<double>{1.0, 0.5, 1.0 / 3}));
  EXPECT_EQ(end.history().val_accuracy, (std::vector<double>{0.6, 0.8, 0.7}));
}

// on_train_end copies the best weights over the model: a checkpoint with more of them than
// the model has parameters overflowed the heap (found by fuzz/checkpoint_fuzz.cc).
TEST(EpochEnd, ResumeRefusesBestWeightsOfAnotherSize) {
  Model model(lstm_config(10, 2, 2));
  TrainConfig config;
  config.early_stopping = EarlyStoppingConfig{};
  config.early_stopping->restore_best_weights = true;
  Adam adam(config.adam, model.params().size());
  Rng rng(1);
  TrainState state;
  state.params.assign(model.params().size(), 0.5f);
  state.adam_m = state.adam_v = state.params;
  state.best_params.assign(model.params().size() + 100, 0.25f);
  EpochEnd end(config);
  try {
    end.resume(state, model, adam, rng);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("best weights of " +
                                         std::to_string(model.params().size() + 100)),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sentiment
