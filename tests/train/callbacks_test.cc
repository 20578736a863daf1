// Learning-rate schedules, early stopping, clipping and class weights against values worked
// out by hand from the Keras rules, on scripted metric sequences. Scripted values are
// dyadic fractions (exact in binary) so that min_delta boundaries are tested exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/callbacks.h"

namespace sentiment {
namespace {

// Expects fn to throw Error whose message contains needle.
template <typename Fn>
void expect_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no Error thrown; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << needle;
  }
}

EpochLogs val_loss(double v) {
  return {{"loss", 9.0}, {"val_loss", v}};
}
EpochLogs val_accuracy(double v) {
  return {{"accuracy", 0.0}, {"val_accuracy", v}};
}

// Feeds values to a plateau scheduler and records the rate in effect after each epoch.
std::vector<double> plateau_rates(LrScheduler& s, const std::vector<double>& values,
                                  int first_epoch = 1) {
  std::vector<double> rates;
  for (size_t k = 0; k < values.size(); ++k) {
    s.on_epoch_end(first_epoch + static_cast<int>(k), val_loss(values[k]));
    rates.push_back(s.current_lr());
  }
  return rates;
}

TEST(Monitor, ModeFromName) {
  EXPECT_EQ(monitor_mode("loss"), MonitorMode::kMin);
  EXPECT_EQ(monitor_mode("val_loss"), MonitorMode::kMin);
  EXPECT_EQ(monitor_mode("accuracy"), MonitorMode::kMax);
  EXPECT_EQ(monitor_mode("val_accuracy"), MonitorMode::kMax);
  expect_error([] { monitor_mode("val_f1"); }, "'val_f1'");
}

TEST(Monitor, ImprovesIsStrictBeyondMinDelta) {
  EXPECT_TRUE(improves(MonitorMode::kMin, 0.5, 1.0, 0.25));
  EXPECT_FALSE(improves(MonitorMode::kMin, 0.75, 1.0, 0.25));  // exactly min_delta: no
  EXPECT_TRUE(improves(MonitorMode::kMax, 0.5, 0.125, 0.25));
  EXPECT_FALSE(improves(MonitorMode::kMax, 0.375, 0.125, 0.25));
  EXPECT_FALSE(improves(MonitorMode::kMin, std::nan(""), 1.0, 0.0));
  expect_error([] { monitor_value({{"loss", 1.0}}, "val_loss"); }, "got: loss");
}

TEST(LrSchedule, ParseAndName) {
  for (const char* name : {"constant", "step", "cosine", "plateau"})
    EXPECT_STREQ(to_string(parse_lr_schedule_kind(name)), name);
  expect_error([] { parse_lr_schedule_kind("linear"); }, "'linear'");
}

TEST(LrSchedule, ConstantIgnoresEverything) {
  LrScheduler s({}, 0.01, 3);
  for (int e = 1; e <= 3; ++e) EXPECT_EQ(s.lr_for_epoch(e), 0.01);
  EXPECT_THROW(s.lr_for_epoch(0), Error);
  EXPECT_THROW(s.lr_for_epoch(4), Error);
}

TEST(LrSchedule, StepHalvesEveryTwoEpochsDownToMinLr) {
  LrSchedule cfg;
  cfg.kind = LrSchedule::Kind::kStep;
  cfg.step_every_epochs = 2;
  cfg.gamma = 0.5;
  cfg.min_lr = 0.2;
  LrScheduler s(cfg, 1.0, 9);
  const std::vector<double> expected = {1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2};
  for (int e = 1; e <= 9; ++e) EXPECT_EQ(s.lr_for_epoch(e), expected[e - 1]) << "epoch " << e;
}

TEST(LrSchedule, StepWithFractionalPeriod) {
  // floor((e - 1) / 1.5): 0, 0, 1, 2, 2 steps.
  LrSchedule cfg;
  cfg.kind = LrSchedule::Kind::kStep;
  cfg.step_every_epochs = 1.5;
  cfg.gamma = 0.5;
  LrScheduler s(cfg, 1.0, 5);
  const std::vector<double> expected = {1.0, 1.0, 0.5, 0.25, 0.25};
  for (int e = 1; e <= 5; ++e) EXPECT_EQ(s.lr_for_epoch(e), expected[e - 1]) << "epoch " << e;
}

TEST(LrSchedule, CosineFromBaseTowardsMinLr) {
  // 4 epochs: progress 0, 1/4, 1/2, 3/4; (1 + cos(pi p)) / 2 = 1, 0.853553, 0.5, 0.146447.
  LrSchedule cfg;
  cfg.kind = LrSchedule::Kind::kCosine;
  cfg.min_lr = 0.1;
  LrScheduler s(cfg, 1.0, 4);
  const double c1 = (1.0 + std::cos(std::numbers::pi / 4)) / 2;  // 0.8535533905932737
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(1), 1.0);
  EXPECT_NEAR(s.lr_for_epoch(2), 0.1 + 0.9 * 0.8535533905932737, 1e-15);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(2), 0.1 + 0.9 * c1);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(3), 0.55);
  EXPECT_NEAR(s.lr_for_epoch(4), 0.1 + 0.9 * 0.1464466094067262, 1e-15);
}

TEST(LrSchedule, CosineWarmupRampsThenDecays) {
  // W = 2 of 6 epochs: 0.3 * 1/3, 0.3 * 2/3, then cosine over 4 epochs from 0.3 to 0.
  LrSchedule cfg;
  cfg.kind = LrSchedule::Kind::kCosine;
  cfg.warmup_epochs = 2;
  LrScheduler s(cfg, 0.3, 6);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(1), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(2), 0.2);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(3), 0.3);
  EXPECT_NEAR(s.lr_for_epoch(4), 0.3 * 0.8535533905932737, 1e-15);
  EXPECT_NEAR(s.lr_for_epoch(5), 0.15, 1e-15);
  EXPECT_NEAR(s.lr_for_epoch(6), 0.3 * 0.1464466094067262, 1e-15);
}

TEST(LrSchedule, RejectsBadConfigurations) {
  LrSchedule cfg;
  cfg.kind = LrSchedule::Kind::kCosine;
  cfg.warmup_epochs = 5;
  expect_error([&] { LrScheduler(cfg, 0.1, 5); }, "lr warmup: got 5 epochs");
  cfg = {};
  cfg.kind = LrSchedule::Kind::kPlateau;
  cfg.gamma = 1.0;
  expect_error([&] { LrScheduler(cfg, 0.1, 5); }, "plateau factor: got 1");
  cfg.gamma = 0.5;
  cfg.monitor = "f1";
  expect_error([&] { LrScheduler(cfg, 0.1, 5); }, "'f1'");
  cfg = {};
  cfg.kind = LrSchedule::Kind::kStep;
  cfg.min_lr = 0.5;
  expect_error([&] { LrScheduler(cfg, 0.1, 5); }, "min lr: got 0.5");
  cfg.min_lr = 0.0;
  cfg.step_every_epochs = 0.5;
  expect_error([&] { LrScheduler(cfg, 0.1, 5); }, "step every: got 0.5");
  expect_error([] { LrScheduler({}, 0.0, 5); }, "learning rate: got 0");
  expect_error([] { LrScheduler({}, 0.1, 0); }, "epochs: got 0");
}

LrSchedule plateau(int patience, int cooldown, double min_delta = 0.0) {
  LrSchedule cfg;
  cfg.kind = LrSchedule::Kind::kPlateau;
  cfg.gamma = 0.5;
  cfg.patience = patience;
  cfg.cooldown = cooldown;
  cfg.min_delta = min_delta;
  cfg.min_lr = 0.2;
  return cfg;
}

TEST(LrSchedule, PlateauReducesAfterPatienceDownToMinLr) {
  // A flat loss, patience 2, no cooldown: reductions at epochs 3, 5, 7; 0.125 is floored
  // to 0.2, after which lr == min_lr and nothing changes.
  LrScheduler s(plateau(2, 0), 1.0, 10);
  EXPECT_EQ(s.current_lr(), 1.0);
  const std::vector<double> rates = plateau_rates(s, std::vector<double>(9, 1.0));
  const std::vector<double> expected = {1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2};
  EXPECT_EQ(rates, expected);
  EXPECT_EQ(s.lr_for_epoch(10), 0.2);
}

TEST(LrSchedule, PlateauCooldownDelaysTheNextReduction) {
  // Cooldown 2 after the reduction at epoch 3: epoch 4 is in cooldown (counter 2 -> 1),
  // epoch 5 ends it (1 -> 0) and already counts as in Keras, so the next reduction is at 6.
  LrScheduler s(plateau(2, 2), 1.0, 10);
  const std::vector<double> rates = plateau_rates(s, std::vector<double>(7, 1.0));
  const std::vector<double> expected = {1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25};
  EXPECT_EQ(rates, expected);
}

TEST(LrSchedule, PlateauImprovementBeyondMinDeltaResetsPatience) {
  // 1.0, 0.875, 0.875. Without min_delta epoch 2 improves and epoch 3 is only the first
  // flat epoch; with min_delta 0.125 epoch 2 (exactly 0.125 better) does not count.
  LrScheduler loose(plateau(2, 0, 0.0), 1.0, 5);
  EXPECT_EQ(plateau_rates(loose, {1.0, 0.875, 0.875}), (std::vector<double>{1.0, 1.0, 1.0}));
  LrScheduler strict(plateau(2, 0, 0.125), 1.0, 5);
  EXPECT_EQ(plateau_rates(strict, {1.0, 0.875, 0.875}), (std::vector<double>{1.0, 1.0, 0.5}));
}

TEST(LrSchedule, PlateauOnAnAccuracyMonitorsTheMaximum) {
  LrSchedule cfg = plateau(1, 0);
  cfg.monitor = "val_accuracy";
  LrScheduler s(cfg, 1.0, 5);
  s.on_epoch_end(1, val_accuracy(0.5));
  EXPECT_EQ(s.current_lr(), 1.0);
  s.on_epoch_end(2, val_accuracy(0.75));  // higher is better: improvement
  EXPECT_EQ(s.current_lr(), 1.0);
  s.on_epoch_end(3, val_accuracy(0.5));
  EXPECT_EQ(s.current_lr(), 0.5);
}

TEST(LrSchedule, PlateauNeedsItsMonitorAndEpochsInOrder) {
  LrScheduler s(plateau(2, 0), 1.0, 5);
  expect_error([&] { s.on_epoch_end(1, {{"loss", 1.0}}); }, "'val_loss'");
  s.on_epoch_end(1, val_loss(1.0));
  expect_error([&] { s.on_epoch_end(3, val_loss(1.0)); }, "got epoch 3, expected 2");
}

TEST(LrSchedule, StateRoundTripContinuesIdentically) {
  // Reductions at epochs 3, 5 and 7 (cooldown 2). Resumed after epoch 3, the scheduler only
  // skips epoch 4 if it remembers the cooldown counter.
  const std::vector<double> values = {1.0, 0.75, 0.75, 0.75, 0.75, 0.5, 0.5, 0.5, 0.5, 0.5};
  LrSchedule cfg = plateau(1, 2, 0.0625);
  LrScheduler whole(cfg, 1.0, 10);
  const std::vector<double> expected = plateau_rates(whole, values);

  LrScheduler first(cfg, 1.0, 10);
  const std::vector<double> head = plateau_rates(first, {values.begin(), values.begin() + 3});
  // Through text, as a checkpoint would store it.
  const nlohmann::json saved = nlohmann::json::parse(first.state().dump());
  LrScheduler resumed(cfg, 1.0, 10);
  resumed.restore(saved);
  EXPECT_EQ(resumed.state(), first.state());
  EXPECT_EQ(resumed.epochs_done(), 3);
  const std::vector<double> tail = plateau_rates(resumed, {values.begin() + 3, values.end()}, 4);
  std::vector<double> joined = head;
  joined.insert(joined.end(), tail.begin(), tail.end());
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(resumed.state(), whole.state());
  EXPECT_EQ(expected, (std::vector<double>{1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2}));
}

TEST(LrSchedule, RestoreRejectsAnotherSchedulersState) {
  LrScheduler p(plateau(2, 0), 1.0, 5);
  LrSchedule cosine;
  cosine.kind = LrSchedule::Kind::kCosine;
  LrScheduler c(cosine, 1.0, 5);
  expect_error([&] { c.restore(p.state()); }, "got kind 'plateau', expected 'cosine'");
  LrSchedule acc = plateau(2, 0);
  acc.monitor = "val_accuracy";
  LrScheduler a(acc, 1.0, 5);
  expect_error([&] { a.restore(p.state()); }, "got monitor 'val_loss'");
  expect_error([&] { p.restore(nlohmann::json{{"kind", "plateau"}}); }, "lr scheduler state");
}

// States come from checkpoint files: an integer field of 1e30 was cast to int with
// undefined behaviour (found by fuzz/checkpoint_fuzz.cc under UBSan).
TEST(LrSchedule, RestoreRangeChecksIntegersAsWritten) {
  LrScheduler p(plateau(2, 0), 1.0, 5);
  for (const char* key : {"epoch", "wait", "cooldown_counter"}) {
    nlohmann::json state = p.state();
    state[key] = 1e30;
    expect_error([&] { p.restore(state); }, std::string("'") + key + "' is 1e+30");
  }
}

// ---------------------------------------------------------------------------------------

// Runs es on values for epochs 1, 2, ... and returns the epoch it asks to stop at (0 if
// it never does).
int stop_epoch(EarlyStopping& es, const std::vector<double>& values, bool accuracy = false) {
  for (size_t k = 0; k < values.size(); ++k) {
    const int epoch = static_cast<int>(k) + 1;
    if (es.on_epoch_end(epoch, accuracy ? val_accuracy(values[k]) : val_loss(values[k])))
      return epoch;
  }
  return 0;
}

EarlyStoppingConfig early(const char* monitor, int patience, double min_delta) {
  EarlyStoppingConfig c;
  c.monitor = monitor;
  c.patience = patience;
  c.min_delta = min_delta;
  return c;
}

TEST(EarlyStopping, MinMonitorWithMinDelta) {
  // 1.0 best; 0.875 not better by more than 0.125 (wait 1); 0.5 best (wait 0); 0.5 (wait
  // 1); 0.4375 only 0.0625 better (wait 2 = patience): stop at 5, best epoch 3.
  const std::vector<double> values = {1.0, 0.875, 0.5, 0.5, 0.4375, 0.25};
  EarlyStopping es(early("val_loss", 2, 0.125));
  EXPECT_EQ(stop_epoch(es, values), 5);
  EXPECT_EQ(es.best_epoch(), 3);
  EXPECT_EQ(es.best_value(), 0.5);
  EXPECT_EQ(es.stopped_epoch(), 5);
  // Without min_delta epoch 5 is an improvement and training goes on.
  EarlyStopping loose(early("val_loss", 2, 0.0));
  EXPECT_EQ(stop_epoch(loose, values), 0);
  EXPECT_EQ(loose.best_epoch(), 6);
}

TEST(EarlyStopping, MaxMonitorWithMinDelta) {
  // 0.5 best; 0.625 beats 0.5 + 0.0625; 0.6875 equals 0.625 + 0.0625, not better: stop.
  EarlyStopping es(early("val_accuracy", 1, 0.0625));
  EXPECT_EQ(es.mode(), MonitorMode::kMax);
  EXPECT_EQ(stop_epoch(es, {0.5, 0.625, 0.6875, 0.9}, true), 3);
  EXPECT_EQ(es.best_epoch(), 2);
  EXPECT_EQ(es.best_value(), 0.625);
}

TEST(EarlyStopping, PatienceZeroStopsAtTheFirstEpochWithoutImprovement) {
  EarlyStopping es(early("loss", 0, 0.0));
  EXPECT_FALSE(es.on_epoch_end(1, {{"loss", 1.0}}));
  EXPECT_FALSE(es.on_epoch_end(2, {{"loss", 0.5}}));
  EXPECT_TRUE(es.on_epoch_end(3, {{"loss", 0.5}}));
}

TEST(EarlyStopping, BaselineKeepsPatienceRunningUntilBeaten) {
  // Keras 3: epochs 1 and 2 improve on the best but not on the baseline 0.5, so wait
  // reaches 2 without a reset and the flat epoch 3 (wait 3) stops. Without the baseline
  // epoch 3 is only the first epoch without improvement.
  EarlyStoppingConfig cfg = early("val_loss", 2, 0.0);
  cfg.baseline = 0.5;
  EarlyStopping es(cfg);
  EXPECT_EQ(stop_epoch(es, {0.8, 0.7, 0.75, 0.75}), 3);
  EXPECT_EQ(es.best_epoch(), 2);
  EXPECT_EQ(es.best_value(), 0.7);
  EarlyStopping plain(early("val_loss", 2, 0.0));
  EXPECT_EQ(stop_epoch(plain, {0.8, 0.7, 0.75, 0.75}), 4);
  // Beating the baseline resets patience as usual.
  EarlyStopping beaten(cfg);
  EXPECT_EQ(stop_epoch(beaten, {0.4, 0.45, 0.45, 0.45}), 3);
}

TEST(EarlyStopping, IsImprovementAndNaN) {
  EarlyStopping es(early("val_loss", 3, 0.125));
  EXPECT_FALSE(es.has_best());
  EXPECT_TRUE(std::isnan(es.best_value()));
  EXPECT_TRUE(es.is_improvement(100.0));  // nothing to beat yet
  EXPECT_FALSE(es.is_improvement(std::nan("")));
  es.on_epoch_end(1, val_loss(0.5));
  EXPECT_FALSE(es.is_improvement(0.375));
  EXPECT_TRUE(es.is_improvement(0.25));
  es.on_epoch_end(2, val_loss(std::nan("")));  // a diverged epoch never becomes best
  EXPECT_EQ(es.best_epoch(), 1);
  EXPECT_EQ(es.wait(), 1);
  // Not even the first; yet, as in Keras, the first epoch never stops training.
  EarlyStopping eager(early("val_loss", 0, 0.0));
  EXPECT_FALSE(eager.on_epoch_end(1, val_loss(std::nan(""))));
  EXPECT_FALSE(eager.has_best());
  EXPECT_TRUE(eager.on_epoch_end(2, val_loss(std::nan(""))));
}

TEST(EarlyStopping, RejectsBadConfigurationsAndMissingMonitor) {
  expect_error([] { EarlyStopping(early("val_f1", 1, 0.0)); }, "'val_f1'");
  expect_error([] { EarlyStopping(early("loss", -1, 0.0)); }, "patience: got -1");
  expect_error([] { EarlyStopping(early("loss", 1, -0.5)); }, "min delta: got -0.5");
  EarlyStopping es(early("val_loss", 1, 0.0));
  expect_error([&] { es.on_epoch_end(1, {{"loss", 1.0}}); }, "'val_loss'");
  expect_error([&] { es.on_epoch_end(2, val_loss(1.0)); }, "got epoch 2, expected 1");
}

TEST(EarlyStopping, StateRoundTripContinuesIdentically) {
  const std::vector<double> values = {0.5, 0.625, 0.5625, 0.75, 0.75, 0.6875, 0.7, 0.7};
  const EarlyStoppingConfig cfg = early("val_accuracy", 3, 0.0625);
  EarlyStopping whole(cfg);
  const int expected_stop = stop_epoch(whole, values, true);
  ASSERT_EQ(expected_stop, 7);  // best 0.75 at epoch 4; epochs 5, 6, 7 do not beat 0.8125

  EarlyStopping first(cfg);
  for (int e = 1; e <= 5; ++e) ASSERT_FALSE(first.on_epoch_end(e, val_accuracy(values[e - 1])));
  EarlyStopping resumed(cfg);
  resumed.restore(nlohmann::json::parse(first.state().dump()));
  EXPECT_EQ(resumed.state(), first.state());
  EXPECT_EQ(resumed.best_epoch(), 4);
  EXPECT_EQ(resumed.wait(), 1);
  EXPECT_FALSE(resumed.on_epoch_end(6, val_accuracy(values[5])));
  EXPECT_TRUE(resumed.on_epoch_end(7, val_accuracy(values[6])));
  EXPECT_EQ(resumed.state(), whole.state());

  EarlyStopping other(early("val_loss", 3, 0.0));
  expect_error([&] { other.restore(first.state()); }, "got monitor 'val_accuracy'");
}

TEST(EarlyStopping, RestoreRangeChecksIntegersAsWritten) {
  EarlyStopping es(early("val_loss", 3, 0.0));
  for (const char* key : {"epoch", "wait", "best_epoch", "stopped_epoch"}) {
    nlohmann::json state = es.state();
    state[key] = -1e30;
    expect_error([&] { es.restore(state); }, std::string("'") + key + "' is -1e+30");
  }
}

// ---------------------------------------------------------------------------------------

TEST(Clip, GlobalNormAccumulatesInDouble) {
  const std::vector<float> g = {3.0f, 4.0f};
  EXPECT_EQ(global_norm(g), 5.0);
  // Each square (1e40) overflows float; accumulated in double the norm is finite.
  const std::vector<float> big = {1e20f, 1e20f};
  EXPECT_NEAR(global_norm(big) / (double(1e20f) * std::sqrt(2.0)), 1.0, 1e-15);
  EXPECT_EQ(global_norm(std::vector<float>{}), 0.0);
}

TEST(Clip, BelowTheLimitIsUnchanged) {
  std::vector<float> g = {3.0f, -4.0f};
  EXPECT_EQ(clip_by_global_norm(g, 5.0), 5.0);  // equal to the limit: not clipped
  EXPECT_EQ(g, (std::vector<float>{3.0f, -4.0f}));
  EXPECT_EQ(clip_by_global_norm(g, 10.0), 5.0);
  EXPECT_EQ(g, (std::vector<float>{3.0f, -4.0f}));
}

TEST(Clip, AboveTheLimitScalesToTheLimit) {
  std::vector<float> g = {3.0f, -4.0f, 0.0f, 12.0f};  // norm 13
  EXPECT_EQ(clip_by_global_norm(g, 1.0), 13.0);
  EXPECT_NEAR(global_norm(g), 1.0, 1e-7);
  EXPECT_FLOAT_EQ(g[0], 3.0f / 13.0f);
  EXPECT_FLOAT_EQ(g[1], -4.0f / 13.0f);
  EXPECT_EQ(g[2], 0.0f);
  EXPECT_FLOAT_EQ(g[3], 12.0f / 13.0f);
}

TEST(Clip, NonFiniteNormLeavesGradientForTheCaller) {
  std::vector<float> g = {std::numeric_limits<float>::infinity(), 1.0f};
  EXPECT_TRUE(std::isinf(clip_by_global_norm(g, 1.0)));
  EXPECT_EQ(g[1], 1.0f);
  expect_error([&] { clip_by_global_norm(g, 0.0); }, "clip norm: got 0");
}

// Clipping over ranges: the norm of the gradient inside them, applied only inside them.
TEST(Clip, RangesClipOnlyTheirGradient) {
  std::vector<float> g = {3.0f, 100.0f, 0.0f, 4.0f, 100.0f};
  const ParamRange ranges[] = {{0, 1}, {2, 4}};
  EXPECT_EQ(clip_by_global_norm(g, ranges, 1.0), 5.0);
  EXPECT_FLOAT_EQ(g[0], 0.6f);
  EXPECT_FLOAT_EQ(g[3], 0.8f);
  EXPECT_EQ(g[1], 100.0f);
  EXPECT_EQ(g[4], 100.0f);
  // With zeros outside the ranges it is the whole-array clip.
  std::vector<float> a = {3.0f, 0.0f, 0.0f, 4.0f, 0.0f}, b = a;
  clip_by_global_norm(a, ranges, 2.0);
  clip_by_global_norm(b, 2.0);
  EXPECT_EQ(a, b);
}

// ---------------------------------------------------------------------------------------

TEST(ClassWeights, BalancedIsNOverKCount) {
  const std::vector<double> w = balanced_class_weights({30, 10});  // n = 40, K = 2
  ASSERT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w[0], 40.0 / 60.0);
  EXPECT_DOUBLE_EQ(w[1], 2.0);
  const std::vector<double> w3 = balanced_class_weights({1, 2, 5});  // n = 8, K = 3
  EXPECT_DOUBLE_EQ(w3[0], 8.0 / 3.0);
  EXPECT_DOUBLE_EQ(w3[1], 8.0 / 6.0);
  EXPECT_DOUBLE_EQ(w3[2], 8.0 / 15.0);
  expect_error([] { balanced_class_weights({3, 0}); }, "class 1 has no rows");
  expect_error([] { balanced_class_weights({}); }, "got 0 classes");
}

TEST(ClassWeights, ParsesBalancedAndExplicitEntries) {
  const ClassWeightSpec b = parse_class_weights("balanced", 2);
  EXPECT_TRUE(b.balanced);
  EXPECT_EQ(resolve_class_weights(b, {30, 10}), (std::vector<double>{40.0 / 60.0, 2.0}));
  const ClassWeightSpec e = parse_class_weights("0:1.0,1:2.5", 2);
  EXPECT_FALSE(e.balanced);
  EXPECT_EQ(e.weights, (std::vector<double>{1.0, 2.5}));
  // Unlisted classes weigh 1; spaces and exponents are accepted.
  EXPECT_EQ(parse_class_weights(" 2 : 5e-1 ", 3).weights, (std::vector<double>{1.0, 1.0, 0.5}));
  EXPECT_EQ(resolve_class_weights(e, {}), e.weights);
}

TEST(ClassWeights, ErrorsNameTheBadEntry) {
  expect_error([] { parse_class_weights("", 2); }, "empty spec");
  expect_error([] { parse_class_weights("0=1", 2); }, "entry '0=1', expected class:weight");
  expect_error([] { parse_class_weights("0:1,2:1", 2); }, "class 2 in entry '2:1'");
  expect_error([] { parse_class_weights("a:1", 2); }, "class 'a' in entry 'a:1'");
  expect_error([] { parse_class_weights("-1:1", 2); }, "class '-1'");
  expect_error([] { parse_class_weights("1:x", 2); }, "weight 'x' in entry '1:x'");
  expect_error([] { parse_class_weights("1:2.5abc", 2); }, "weight '2.5abc'");
  expect_error([] { parse_class_weights("1:-2", 2); }, "weight -2 in entry '1:-2'");
  expect_error([] { parse_class_weights("1:inf", 2); }, "entry '1:inf'");
  expect_error([] { parse_class_weights("1:1,1:2", 2); }, "class 1 given twice");
  expect_error([] { parse_class_weights("0:1,", 2); }, "entry ''");
  expect_error([] { parse_class_weights("0:0,1:0", 2); }, "all weights 0");
  expect_error([] { parse_class_weights("balanced", 0); }, "got 0 classes");
}

}  // namespace
}  // namespace sentiment
