// Schedules, early stopping, clipping and class weights. The epoch-end rules follow the
// Keras 3 callbacks line by line so that a recipe tuned there behaves the same here.
#include "train/callbacks.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>

#include "core/error.h"
#include "model/model_json.h"

namespace sentiment {
namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Epochs must arrive one by one; anything else means the loop (or a resume) lost count.
void check_next_epoch(const char* who, int epoch, int last_epoch) {
  if (epoch != last_epoch + 1)
    throw Error(std::string(who) + ": got epoch " + std::to_string(epoch) + ", expected " +
                std::to_string(last_epoch + 1));
}

nlohmann::json optional_to_json(const std::optional<double>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

std::optional<double> optional_from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<double>();
}

}  // namespace

MonitorMode monitor_mode(std::string_view monitor) {
  if (monitor == "loss" || monitor == "val_loss") return MonitorMode::kMin;
  if (monitor == "accuracy" || monitor == "val_accuracy") return MonitorMode::kMax;
  throw Error("monitor: got '" + std::string(monitor) +
              "', expected one of loss, accuracy, val_loss, val_accuracy");
}

const char* to_string(MonitorMode mode) {
  return mode == MonitorMode::kMin ? "min" : "max";
}

bool improves(MonitorMode mode, double value, double reference, double min_delta) {
  // Written as comparisons that are false for NaN on either side.
  return mode == MonitorMode::kMin ? value < reference - min_delta : value > reference + min_delta;
}

double monitor_value(const EpochLogs& logs, std::string_view monitor) {
  const auto it = logs.find(std::string(monitor));
  if (it != logs.end()) return it->second;
  std::string keys;
  for (const auto& [key, value] : logs) keys += (keys.empty() ? "" : ", ") + key;
  throw Error("monitor '" + std::string(monitor) + "' is not in the epoch logs (got: " +
              (keys.empty() ? std::string("nothing") : keys) + ")");
}

// ---------------------------------------------------------------------------------------

LrSchedule::Kind parse_lr_schedule_kind(std::string_view name) {
  if (name == "constant") return LrSchedule::Kind::kConstant;
  if (name == "step") return LrSchedule::Kind::kStep;
  if (name == "cosine") return LrSchedule::Kind::kCosine;
  if (name == "plateau") return LrSchedule::Kind::kPlateau;
  throw Error("lr schedule: got '" + std::string(name) +
              "', expected one of constant, step, cosine, plateau");
}

const char* to_string(LrSchedule::Kind kind) {
  switch (kind) {
    case LrSchedule::Kind::kConstant:
      return "constant";
    case LrSchedule::Kind::kStep:
      return "step";
    case LrSchedule::Kind::kCosine:
      return "cosine";
    case LrSchedule::Kind::kPlateau:
      return "plateau";
  }
  return "unknown";
}

void validate_lr_schedule(const LrSchedule& s, double base_lr, int epochs) {
  if (!(std::isfinite(base_lr) && base_lr > 0.0))
    throw Error("learning rate: got " + num(base_lr) + ", expected > 0");
  if (epochs < 1) throw Error("epochs: got " + std::to_string(epochs) + ", expected >= 1");
  if (s.kind == LrSchedule::Kind::kConstant) return;
  if (!(s.min_lr >= 0.0 && s.min_lr <= base_lr))
    throw Error("min lr: got " + num(s.min_lr) + ", expected in [0, " + num(base_lr) + "]");
  switch (s.kind) {
    case LrSchedule::Kind::kConstant:
      break;
    case LrSchedule::Kind::kStep:
      // Below one epoch the schedule would step more than once per epoch, which it cannot.
      if (!(std::isfinite(s.step_every_epochs) && s.step_every_epochs >= 1.0))
        throw Error("lr step every: got " + num(s.step_every_epochs) + " epochs, expected >= 1");
      if (!(s.gamma > 0.0 && s.gamma <= 1.0))
        throw Error("lr gamma: got " + num(s.gamma) + ", expected in (0, 1]");
      break;
    case LrSchedule::Kind::kCosine:
      if (s.warmup_epochs < 0 || s.warmup_epochs >= epochs)
        throw Error("lr warmup: got " + std::to_string(s.warmup_epochs) +
                    " epochs, expected in [0, " + std::to_string(epochs - 1) + "]");
      break;
    case LrSchedule::Kind::kPlateau:
      monitor_mode(s.monitor);
      if (!(s.gamma > 0.0 && s.gamma < 1.0))
        throw Error("lr plateau factor: got " + num(s.gamma) + ", expected in (0, 1)");
      if (s.patience < 0)
        throw Error("lr plateau patience: got " + std::to_string(s.patience) + ", expected >= 0");
      if (!(std::isfinite(s.min_delta) && s.min_delta >= 0.0))
        throw Error("lr plateau min delta: got " + num(s.min_delta) + ", expected >= 0");
      if (s.cooldown < 0)
        throw Error("lr plateau cooldown: got " + std::to_string(s.cooldown) + ", expected >= 0");
      break;
  }
}

LrScheduler::LrScheduler(const LrSchedule& schedule, double base_lr, int epochs)
    : schedule_(schedule), base_lr_(base_lr), epochs_(epochs), lr_(base_lr) {
  validate_lr_schedule(schedule, base_lr, epochs);
  if (schedule.kind == LrSchedule::Kind::kPlateau) mode_ = monitor_mode(schedule.monitor);
}

double LrScheduler::lr_for_epoch(int epoch) const {
  if (epoch < 1 || epoch > epochs_)
    throw Error("lr schedule: got epoch " + std::to_string(epoch) + ", expected in [1, " +
                std::to_string(epochs_) + "]");
  const LrSchedule& s = schedule_;
  switch (s.kind) {
    case LrSchedule::Kind::kConstant:
      return base_lr_;
    case LrSchedule::Kind::kStep: {
      const auto steps = static_cast<int>(std::floor((epoch - 1) / s.step_every_epochs));
      // Repeated products rather than pow so the rates are bit-identical on every libm.
      double lr = base_lr_;
      for (int k = 0; k < steps; ++k) lr *= s.gamma;
      return std::max(lr, s.min_lr);
    }
    case LrSchedule::Kind::kCosine: {
      const int w = s.warmup_epochs;
      if (epoch <= w) return base_lr_ * epoch / (w + 1);
      const double progress = double(epoch - w - 1) / double(epochs_ - w);
      const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
      return s.min_lr + (base_lr_ - s.min_lr) * cosine;
    }
    case LrSchedule::Kind::kPlateau:
      return lr_;
  }
  return base_lr_;
}

void LrScheduler::on_epoch_end(int epoch, const EpochLogs& logs) {
  check_next_epoch("lr schedule", epoch, last_epoch_);
  if (schedule_.kind == LrSchedule::Kind::kPlateau) {
    // Keras ReduceLROnPlateau.on_epoch_end: the cooldown counter is decremented before the
    // comparison, so the epoch that ends the cooldown can already count towards patience.
    const double value = monitor_value(logs, schedule_.monitor);
    if (cooldown_counter_ > 0) {
      --cooldown_counter_;
      wait_ = 0;
    }
    // No best yet plays the role of Keras's initial +-inf; NaN never improves.
    const bool improved =
        !std::isnan(value) && (!best_ || improves(mode_, value, *best_, schedule_.min_delta));
    if (improved) {
      best_ = value;
      wait_ = 0;
    } else if (cooldown_counter_ == 0) {
      ++wait_;
      if (wait_ >= schedule_.patience && lr_ > schedule_.min_lr) {
        lr_ = std::max(lr_ * schedule_.gamma, schedule_.min_lr);
        cooldown_counter_ = schedule_.cooldown;
        wait_ = 0;
      }
    }
  }
  last_epoch_ = epoch;
}

double LrScheduler::current_lr() const {
  return lr_for_epoch(std::min(last_epoch_ + 1, epochs_));
}

nlohmann::json LrScheduler::state() const {
  nlohmann::json j;
  j["kind"] = to_string(schedule_.kind);
  j["epoch"] = last_epoch_;
  j["lr"] = current_lr();
  if (schedule_.kind == LrSchedule::Kind::kPlateau) {
    j["monitor"] = schedule_.monitor;
    j["best"] = optional_to_json(best_);
    j["wait"] = wait_;
    j["cooldown_counter"] = cooldown_counter_;
  }
  return j;
}

void LrScheduler::restore(const nlohmann::json& j) {
  try {
    const auto kind = j.at("kind").get<std::string>();
    if (kind != to_string(schedule_.kind))
      throw Error("lr scheduler state: got kind '" + kind + "', expected '" +
                  to_string(schedule_.kind) + "'");
    const int epoch = json_integer<int>(j, "epoch", "lr scheduler state");
    if (epoch < 0 || epoch > epochs_)
      throw Error("lr scheduler state: got epoch " + std::to_string(epoch) + ", expected in [0, " +
                  std::to_string(epochs_) + "]");
    if (schedule_.kind == LrSchedule::Kind::kPlateau) {
      const auto monitor = j.at("monitor").get<std::string>();
      if (monitor != schedule_.monitor)
        throw Error("lr scheduler state: got monitor '" + monitor + "', expected '" +
                    schedule_.monitor + "'");
      const double lr = j.at("lr").get<double>();
      if (!(lr > 0.0 && lr <= base_lr_))
        throw Error("lr scheduler state: got lr " + num(lr) + ", expected in (0, " + num(base_lr_) +
                    "]");
      const int wait = json_integer<int>(j, "wait", "lr scheduler state");
      const int cooldown = json_integer<int>(j, "cooldown_counter", "lr scheduler state");
      if (wait < 0 || cooldown < 0)
        throw Error("lr scheduler state: got wait " + std::to_string(wait) + " and cooldown " +
                    std::to_string(cooldown) + ", expected >= 0");
      best_ = optional_from_json(j.at("best"));
      lr_ = lr;
      wait_ = wait;
      cooldown_counter_ = cooldown;
    }
    last_epoch_ = epoch;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("lr scheduler state: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------------

EarlyStopping::EarlyStopping(const EarlyStoppingConfig& config)
    : config_(config), mode_(monitor_mode(config.monitor)) {
  if (!(std::isfinite(config.min_delta) && config.min_delta >= 0.0))
    throw Error("early stopping min delta: got " + num(config.min_delta) + ", expected >= 0");
  if (config.patience < 0)
    throw Error("early stopping patience: got " + std::to_string(config.patience) +
                ", expected >= 0");
  if (config.baseline && !std::isfinite(*config.baseline))
    throw Error("early stopping baseline: got " + num(*config.baseline) + ", expected finite");
}

bool EarlyStopping::is_improvement(double value) const {
  if (std::isnan(value)) return false;
  return !best_ || improves(mode_, value, *best_, config_.min_delta);
}

double EarlyStopping::best_value() const {
  return best_ ? *best_ : std::numeric_limits<double>::quiet_NaN();
}

bool EarlyStopping::on_epoch_end(int epoch, const EpochLogs& logs) {
  // Keras 3 EarlyStopping.on_epoch_end: wait counts every epoch and an improvement resets
  // it only when it also beats the baseline.
  check_next_epoch("early stopping", epoch, last_epoch_);
  const double value = monitor_value(logs, config_.monitor);
  last_epoch_ = epoch;
  ++wait_;
  if (is_improvement(value)) {
    best_ = value;
    best_epoch_ = epoch;
    if (!config_.baseline || improves(mode_, value, *config_.baseline, config_.min_delta))
      wait_ = 0;
    return false;
  }
  // As in Keras, the first epoch never stops training, even when it has no usable value.
  if (wait_ >= config_.patience && epoch > 1) {
    stopped_epoch_ = epoch;
    return true;
  }
  return false;
}

nlohmann::json EarlyStopping::state() const {
  nlohmann::json j;
  j["monitor"] = config_.monitor;
  j["mode"] = to_string(mode_);
  j["epoch"] = last_epoch_;
  j["wait"] = wait_;
  j["best"] = optional_to_json(best_);
  j["best_epoch"] = best_epoch_;
  j["stopped_epoch"] = stopped_epoch_;
  return j;
}

void EarlyStopping::restore(const nlohmann::json& j) {
  try {
    const auto monitor = j.at("monitor").get<std::string>();
    if (monitor != config_.monitor)
      throw Error("early stopping state: got monitor '" + monitor + "', expected '" +
                  config_.monitor + "'");
    // Range-checked as written: get<int> casts 1e30 with undefined behaviour.
    const std::string where = "early stopping state";
    const int epoch = json_integer<int>(j, "epoch", where);
    const int wait = json_integer<int>(j, "wait", where);
    const int best_epoch = json_integer<int>(j, "best_epoch", where);
    const int stopped_epoch = json_integer<int>(j, "stopped_epoch", where);
    const std::optional<double> best = optional_from_json(j.at("best"));
    if (epoch < 0 || wait < 0 || wait > epoch || best_epoch < 0 || best_epoch > epoch ||
        stopped_epoch < 0 || stopped_epoch > epoch || best.has_value() != (best_epoch > 0))
      throw Error("early stopping state: inconsistent counters (epoch " + std::to_string(epoch) +
                  ", wait " + std::to_string(wait) + ", best epoch " + std::to_string(best_epoch) +
                  ", stopped epoch " + std::to_string(stopped_epoch) + ")");
    last_epoch_ = epoch;
    wait_ = wait;
    best_epoch_ = best_epoch;
    stopped_epoch_ = stopped_epoch;
    best_ = best;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("early stopping state: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------------

double global_norm(std::span<const float> grad) {
  double sum = 0.0;
  for (const float g : grad) sum += double(g) * double(g);
  return std::sqrt(sum);
}

double clip_by_global_norm(std::span<float> grad, double max_norm) {
  const ParamRange all{0, grad.size()};
  return clip_by_global_norm(grad, std::span<const ParamRange>(&all, 1), max_norm);
}

double clip_by_global_norm(std::span<float> grad, std::span<const ParamRange> ranges,
                           double max_norm) {
  if (!(std::isfinite(max_norm) && max_norm > 0.0))
    throw Error("clip norm: got " + num(max_norm) + ", expected > 0");
  double sum = 0.0;
  for (const ParamRange& r : ranges)
    for (size_t k = r.begin; k < r.end; ++k) sum += double(grad[k]) * double(grad[k]);
  const double norm = std::sqrt(sum);
  if (std::isfinite(norm) && norm > max_norm) {
    const double scale = max_norm / norm;
    for (const ParamRange& r : ranges)
      for (size_t k = r.begin; k < r.end; ++k)
        grad[k] = static_cast<float>(double(grad[k]) * scale);
  }
  return norm;
}

// ---------------------------------------------------------------------------------------

std::vector<double> balanced_class_weights(const std::vector<size_t>& counts) {
  if (counts.empty()) throw Error("balanced class weights: got 0 classes, expected >= 1");
  size_t n = 0;
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0)
      throw Error("balanced class weights: class " + std::to_string(c) +
                  " has no rows, expected every class to occur");
    n += counts[c];
  }
  std::vector<double> weights(counts.size());
  for (size_t c = 0; c < counts.size(); ++c)
    weights[c] = double(n) / (double(counts.size()) * double(counts[c]));
  return weights;
}

ClassWeightSpec parse_class_weights(std::string_view spec, size_t num_classes) {
  if (num_classes == 0) throw Error("class weights: got 0 classes, expected >= 1");
  spec = trim(spec);
  ClassWeightSpec out;
  if (spec == "balanced") {
    out.balanced = true;
    return out;
  }
  if (spec.empty())
    throw Error(
        "class weights: got an empty spec, expected 'balanced' or entries like "
        "'0:1.0,1:2.5'");
  out.weights.assign(num_classes, 1.0);
  std::vector<bool> seen(num_classes, false);
  while (true) {
    const size_t comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    // Built by appends: GCC 12 misreports "'" + std::string as overlapping (-Wrestrict).
    std::string quoted(1, '\'');
    quoted.append(entry).push_back('\'');
    const size_t colon = entry.find(':');
    if (colon == std::string_view::npos)
      throw Error("class weights: got entry " + quoted + ", expected class:weight");
    const std::string_view cls = trim(entry.substr(0, colon));
    const std::string_view weight = trim(entry.substr(colon + 1));
    size_t c = 0;
    double w = 0.0;
    const auto rc = std::from_chars(cls.data(), cls.data() + cls.size(), c);
    if (cls.empty() || rc.ec != std::errc() || rc.ptr != cls.data() + cls.size())
      throw Error("class weights: got class '" + std::string(cls) + "' in entry " + quoted +
                  ", expected an integer");
    if (c >= num_classes)
      throw Error("class weights: got class " + std::to_string(c) + " in entry " + quoted +
                  ", expected 0.." + std::to_string(num_classes - 1));
    const auto rw = std::from_chars(weight.data(), weight.data() + weight.size(), w);
    if (weight.empty() || rw.ec != std::errc() || rw.ptr != weight.data() + weight.size())
      throw Error("class weights: got weight '" + std::string(weight) + "' in entry " + quoted +
                  ", expected a number");
    if (!(std::isfinite(w) && w >= 0.0))
      throw Error("class weights: got weight " + num(w) + " in entry " + quoted +
                  ", expected finite and >= 0");
    if (seen[c])
      throw Error("class weights: class " + std::to_string(c) + " given twice (entry " + quoted +
                  ")");
    seen[c] = true;
    out.weights[c] = w;
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  bool any_positive = false;
  for (const double w : out.weights) any_positive = any_positive || w > 0.0;
  if (!any_positive) throw Error("class weights: got all weights 0, expected some > 0");
  return out;
}

std::vector<double> resolve_class_weights(const ClassWeightSpec& spec,
                                          const std::vector<size_t>& counts) {
  if (!spec.balanced) return spec.weights;
  return balanced_class_weights(counts);
}

}  // namespace sentiment
