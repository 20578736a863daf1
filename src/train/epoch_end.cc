// Epoch-end bookkeeping for fit, and restoring it from a checkpoint.
#include "train/epoch_end.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/error.h"

namespace sentiment {
namespace {

EarlyStoppingConfig best_tracker_config(const std::string& monitor) {
  EarlyStoppingConfig c;
  c.monitor = monitor;
  return c;
}

}  // namespace

EpochLogs logs_of(const EpochResult& r) {
  EpochLogs logs{{"loss", r.train.loss}, {"accuracy", r.train.accuracy}};
  if (r.val.n > 0) {
    logs["val_loss"] = r.val.loss;
    logs["val_accuracy"] = r.val.accuracy;
  }
  return logs;
}

EpochEnd::EpochEnd(const TrainConfig& config)
    : monitor_(config.checkpoint_monitor),
      scheduler_(config.schedule, config.adam.learning_rate, config.epochs),
      best_tracker_(best_tracker_config(config.checkpoint_monitor)) {
  if (config.early_stopping) stopper_.emplace(*config.early_stopping);
  keep_best_ = stopper_ && stopper_->config().restore_best_weights;
}

int EpochEnd::resume(const TrainState& s, Model& model, Adam& adam, Rng& shuffle_rng) {
  if (s.params.size() != model.params().size())
    throw Error("checkpoint has " + std::to_string(s.params.size()) +
                " parameters, the model has " + std::to_string(model.params().size()));
  // on_train_end copies these over the model: a checkpoint's own count must not decide
  // how much is written.
  if (!s.best_params.empty() && s.best_params.size() != model.params().size())
    throw Error("checkpoint has best weights of " + std::to_string(s.best_params.size()) +
                " parameters, the model has " + std::to_string(model.params().size()));
  std::copy(s.params.begin(), s.params.end(), model.params().begin());
  adam.restore(s.adam_m, s.adam_v, s.adam_steps);
  shuffle_rng.set_state(s.shuffle_rng);
  scheduler_.restore(nlohmann::json::parse(s.scheduler_json));
  if (stopper_) stopper_->restore(nlohmann::json::parse(s.early_stopping_json));
  best_tracker_.restore(nlohmann::json::parse(s.checkpoint_best_json));
  best_params_ = s.best_params;
  progress_.history = s.history;
  return s.epoch + 1;
}

bool EpochEnd::on_epoch_end(EpochResult& result, const Model& model, const Adam& adam,
                            const Rng& shuffle_rng, const TrainCallbacks& callbacks) {
  const int epoch = result.epoch;
  History& h = progress_.history;
  h.loss.push_back(result.train.loss);
  h.accuracy.push_back(result.train.accuracy);
  h.val_loss.push_back(result.val.loss);
  h.val_accuracy.push_back(result.val.accuracy);
  h.epoch_seconds.push_back(result.seconds);
  h.learning_rate.push_back(result.learning_rate);

  const EpochLogs logs = logs_of(result);
  if (logs.count(monitor_)) {
    best_tracker_.on_epoch_end(epoch, logs);
    result.best = best_tracker_.best_epoch() == epoch;
  }
  scheduler_.on_epoch_end(epoch, logs);
  bool stop = false;
  if (stopper_) {
    stop = stopper_->on_epoch_end(epoch, logs);
    if (keep_best_ && stopper_->best_epoch() == epoch)
      best_params_.assign(model.params().begin(), model.params().end());
  }
  if (callbacks.epoch_end) callbacks.epoch_end(result);
  if (callbacks.checkpoint) {
    progress_.epoch = epoch;
    progress_.adam_steps = adam.steps();
    progress_.shuffle_rng = shuffle_rng.state();
    progress_.scheduler_json = scheduler_.state().dump();
    progress_.early_stopping_json = stopper_ ? stopper_->state().dump() : "null";
    progress_.checkpoint_best_json = best_tracker_.state().dump();
    callbacks.checkpoint({progress_, model.params(), adam.m(), adam.v(), best_params_});
  }
  return stop;
}

void EpochEnd::on_train_end(Model& model) const {
  if (keep_best_ && !best_params_.empty())
    std::copy(best_params_.begin(), best_params_.end(), model.params().begin());
}

}  // namespace sentiment
