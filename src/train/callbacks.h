// Pure building blocks the training loop calls between steps and epochs: learning-rate
// schedules (Keras CosineDecay / ReduceLROnPlateau semantics), early stopping (Keras
// EarlyStopping), gradient clipping by global norm, and class weights. None of them touch the
// model or do I/O: they decide, the loop acts. Stateful ones round-trip through JSON so a
// resumed run continues exactly as an uninterrupted one would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optim/adam.h"

namespace sentiment {

// What the loop reports at the end of an epoch, keyed as in Keras's History:
// "loss", "accuracy", "val_loss", "val_accuracy".
using EpochLogs = std::map<std::string, double>;

// Which way a monitored quantity improves. Persisted in state JSON: explicit values.
enum class MonitorMode : uint8_t { kMin = 0, kMax = 1 };

// The direction of a monitor, derived from its name: "loss", "val_loss" -> kMin;
// "accuracy", "val_accuracy" -> kMax. Any other name throws Error.
MonitorMode monitor_mode(std::string_view monitor);
const char* to_string(MonitorMode mode);  // "min", "max"

// True when value beats reference by more than min_delta (>= 0) in mode's direction:
// value < reference - min_delta (kMin) or value > reference + min_delta (kMax). NaN never
// improves, so a diverged epoch never becomes "best".
bool improves(MonitorMode mode, double value, double reference, double min_delta);

// logs[monitor]; throws Error naming the monitor and the keys present when it is missing.
double monitor_value(const EpochLogs& logs, std::string_view monitor);

// ---------------------------------------------------------------------------------------
// Learning-rate schedules.

struct LrSchedule {
  // Persisted (state JSON, run configuration): explicit values, never renumber.
  enum class Kind : uint8_t { kConstant = 0, kStep = 1, kCosine = 2, kPlateau = 3 };

  Kind kind = Kind::kConstant;
  double min_lr = 0.0;  // floor for step, cosine (its end point) and plateau

  // kStep: lr(e) = max(min_lr, base * gamma^floor((e - 1) / step_every_epochs)).
  double step_every_epochs = 10.0;  // >= 1
  double gamma = 0.1;               // kStep: decay per step, in (0, 1]; kPlateau: factor, in (0, 1)

  // kCosine: epochs 1..W ramp linearly, lr(e) = base * e / (W + 1); then epoch e > W uses
  // min_lr + (base - min_lr) * (1 + cos(pi * (e - W - 1) / (epochs - W))) / 2, so epoch W + 1
  // runs at base and the rate falls towards min_lr (Keras CosineDecay with
  // decay_steps = epochs - W and alpha = min_lr / base, stepped once per epoch).
  int warmup_epochs = 0;

  // kPlateau (Keras ReduceLROnPlateau): after `patience` epochs without an improvement of
  // more than min_delta in `monitor`, lr = max(lr * gamma, min_lr), then `cooldown` epochs
  // during which epochs without improvement are not counted.
  std::string monitor = "val_loss";
  int patience = 10;
  double min_delta = 1e-4;
  int cooldown = 0;
};

LrSchedule::Kind parse_lr_schedule_kind(std::string_view name);  // constant|step|cosine|plateau
const char* to_string(LrSchedule::Kind kind);

// Throws Error naming the first bad value. base_lr > 0, epochs >= 1.
void validate_lr_schedule(const LrSchedule& schedule, double base_lr, int epochs);

class LrScheduler {
 public:
  // Validates (see validate_lr_schedule). epochs is the run's total, which cosine needs.
  LrScheduler(const LrSchedule& schedule, double base_lr, int epochs);

  // The rate for epoch (1-based, 1..epochs). kConstant, kStep and kCosine are pure
  // functions of the epoch; kPlateau returns the current rate, whatever the epoch, since
  // reductions are decided by on_epoch_end of earlier epochs.
  double lr_for_epoch(int epoch) const;

  // Call once per finished epoch, in order 1, 2, ... (throws Error otherwise). kPlateau
  // reads logs[monitor] (throws Error if it is missing); the other kinds ignore logs.
  void on_epoch_end(int epoch, const EpochLogs& logs);

  // The rate the next epoch will use: lr_for_epoch(epochs_done() + 1), clamped to the
  // last epoch once the run is over.
  double current_lr() const;
  int epochs_done() const { return last_epoch_; }

  // Everything on_epoch_end has accumulated. restore() checks that the state was written
  // by a scheduler of the same kind (and monitor, for plateau) and throws Error otherwise.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  LrSchedule schedule_;
  double base_lr_;
  int epochs_;
  MonitorMode mode_ = MonitorMode::kMin;
  int last_epoch_ = 0;
  // kPlateau only.
  double lr_;
  std::optional<double> best_;
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

// ---------------------------------------------------------------------------------------
// Early stopping (Keras 3 EarlyStopping, mode derived from the monitor's name).

struct EarlyStoppingConfig {
  std::string monitor = "val_loss";
  double min_delta = 0.0;  // >= 0: smaller changes do not count as improvement
  int patience = 0;        // epochs without improvement before stopping
  // Ask the loop to keep the weights of the best epoch and put them back at the end of
  // training (whether or not it stopped early, as Keras 3 does). EarlyStopping only
  // reports this flag and best_epoch(); the loop owns the weights.
  bool restore_best_weights = false;
  // When set, an epoch only resets the patience counter if it also beats the baseline
  // (it can still become the best epoch without doing so).
  std::optional<double> baseline;
};

class EarlyStopping {
 public:
  explicit EarlyStopping(const EarlyStoppingConfig& config);  // throws Error on bad values

  // Call once per finished epoch, in order 1, 2, ...; returns true when training should
  // stop after this epoch (never after epoch 1, as in Keras). A NaN value counts as an
  // epoch without improvement. When best_epoch() == epoch afterwards, this epoch is the new
  // best: the place to snapshot weights for restore_best_weights.
  bool on_epoch_end(int epoch, const EpochLogs& logs);

  // Whether value would count as an improvement on the best so far (true before the
  // first epoch). A "best model" checkpoint on the same monitor can share this test.
  bool is_improvement(double value) const;

  bool has_best() const { return best_.has_value(); }
  int best_epoch() const { return best_epoch_; }        // 0 before any epoch
  double best_value() const;                            // NaN before any epoch
  int stopped_epoch() const { return stopped_epoch_; }  // 0 unless it asked to stop
  int wait() const { return wait_; }
  MonitorMode mode() const { return mode_; }
  const EarlyStoppingConfig& config() const { return config_; }

  // restore() checks the monitor matches and throws Error otherwise.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  EarlyStoppingConfig config_;
  MonitorMode mode_;
  int last_epoch_ = 0;
  int wait_ = 0;
  int best_epoch_ = 0;
  int stopped_epoch_ = 0;
  std::optional<double> best_;
};

// ---------------------------------------------------------------------------------------
// Gradient clipping.

// sqrt(sum of squares), accumulated in double in index order, so the result does not
// depend on threads or platform.
double global_norm(std::span<const float> grad);

// Scales grad by max_norm / norm when norm > max_norm (Keras global_clipnorm, PyTorch
// clip_grad_norm_ without its 1e-6) and returns the norm before clipping. A non-finite
// norm leaves grad untouched, so the caller can see it and skip the step or fail.
// max_norm must be > 0 and finite (throws Error otherwise).
double clip_by_global_norm(std::span<float> grad, double max_norm);
// The same over the gradient inside `ranges` only (in order), for a gradient known to be
// zero outside them.
double clip_by_global_norm(std::span<float> grad, std::span<const ParamRange> ranges,
                           double max_norm);

// ---------------------------------------------------------------------------------------
// Class weights (multiply each row's loss by the weight of its true class).

// sklearn's "balanced": n / (K * count_c), with n the total and K = counts.size(). Throws
// Error if there are no classes or a class has no rows.
std::vector<double> balanced_class_weights(const std::vector<size_t>& counts);

struct ClassWeightSpec {
  bool balanced = false;        // weights come from the training counts
  std::vector<double> weights;  // num_classes entries when not balanced
};

// "balanced", or explicit "class:weight" entries separated by commas, e.g. "0:1.0,1:2.5"
// (spaces allowed around tokens). Classes not listed weigh 1.0 (as in sklearn); weights
// must be finite and >= 0 and not all zero. Throws Error naming the bad entry.
ClassWeightSpec parse_class_weights(std::string_view spec, size_t num_classes);

// The weights to use: spec.weights, or balanced_class_weights(counts).
std::vector<double> resolve_class_weights(const ClassWeightSpec& spec,
                                          const std::vector<size_t>& counts);

}  // namespace sentiment
