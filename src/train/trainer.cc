// Model.fit: per epoch a fresh permutation of the training rows, then for each batch the
// shards' gradient (batch_step.h) and one clipped Adam step (sparse_updates.h), then
// validation and the epoch-end bookkeeping (epoch_end.h): history, best epoch, learning
// rate schedule, early stopping and a checkpoint of the whole training state.
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "train/batch_order.h"
#include "train/batch_step.h"
#include "train/epoch_end.h"
#include "train/sparse_updates.h"

namespace sentiment {
namespace {

std::vector<int32_t> class_ids(const data::EncodedSplit& data) {
  std::vector<int32_t> ids(data.n);
  for (size_t n = 0; n < data.n; ++n) ids[n] = static_cast<int32_t>(data.labels[n]);
  return ids;
}

// The given rows of data as a split of their own, so evaluation reads them contiguously.
data::EncodedSplit gather_rows(const data::EncodedSplit& data, const std::vector<size_t>& rows) {
  const size_t T = data.maxlen;
  data::EncodedSplit out;
  out.maxlen = T;
  out.n = rows.size();
  for (size_t row : rows) {
    out.tokens.insert(out.tokens.end(), data.tokens.begin() + static_cast<ptrdiff_t>(row * T),
                      data.tokens.begin() + static_cast<ptrdiff_t>((row + 1) * T));
    out.labels.push_back(data.labels[row]);
  }
  return out;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A diverged run stops before anything of it is saved: the checkpoint and models written at
// the end of the last finished epoch stay as they were.
[[noreturn]] void diverged(int epoch, size_t step, size_t steps, double lr,
                           const std::string& what) {
  throw Error("training diverged at epoch " + std::to_string(epoch) + ", step " +
              std::to_string(step) + "/" + std::to_string(steps) + ": " + what +
              " (learning rate " + format_number(lr) +
              "); nothing of this epoch was saved and the last finished epoch's checkpoint is "
              "kept; try a lower --learning-rate or a --clip-norm");
}

}  // namespace

void validate_train_config(const TrainConfig& c, size_t rows) {
  if (c.epochs < 1) throw Error("--epochs must be >= 1, got " + std::to_string(c.epochs));
  if (c.batch_size < 1) throw Error("--batch-size must be >= 1");
  if (!(c.validation_split >= 0.0 && c.validation_split < 1.0))
    throw Error("--validation-split must be in [0, 1), got " + std::to_string(c.validation_split));
  if (!(c.adam.learning_rate > 0.0))
    throw Error("--learning-rate must be > 0, got " + std::to_string(c.adam.learning_rate));
  if (!(c.clip_norm >= 0.0) || !std::isfinite(c.clip_norm))
    throw Error("--clip-norm must be >= 0, got " + std::to_string(c.clip_norm));
  validate_lr_schedule(c.schedule, c.adam.learning_rate, c.epochs);
  const auto val = static_cast<size_t>(std::floor(static_cast<double>(rows) * c.validation_split));
  if (rows - val < 1)
    throw Error("no training rows left: " + std::to_string(rows) + " rows with validation split " +
                std::to_string(c.validation_split));
  (void)monitor_mode(c.checkpoint_monitor);
}

TrainStateView view_of(const TrainState& s) {
  return {s, s.params, s.adam_m, s.adam_v, s.best_params};
}

TrainState copy_of(const TrainStateView& v) {
  TrainState s;
  static_cast<TrainProgress&>(s) = v.progress;
  s.params.assign(v.params.begin(), v.params.end());
  s.adam_m.assign(v.adam_m.begin(), v.adam_m.end());
  s.adam_v.assign(v.adam_v.begin(), v.adam_v.end());
  s.best_params.assign(v.best_params.begin(), v.best_params.end());
  return s;
}

History fit(Model& model, const data::EncodedSplit& data, const TrainConfig& config,
            ThreadPool& pool, const TrainCallbacks& callbacks, const TrainState* resume) {
  validate_train_config(config, data.n);
  check_encoded_split(model, data);
  const size_t K = model.config().num_classes;
  if (!config.class_weights.empty() && config.class_weights.size() != K)
    throw Error("got " + std::to_string(config.class_weights.size()) + " class weights, expected " +
                std::to_string(K));

  const Split split =
      make_split(config.split_mode, class_ids(data), config.validation_split, config.seed);
  const data::EncodedSplit val = gather_rows(data, split.val);
  BatchOrder order(data, split.train, config.batch_size, config.bucket_by_length);
  const size_t steps = order.steps();
  BatchStep batch(model, config.batch_size, data.maxlen);
  ParameterUpdate update(model, config.lazy_ngram_updates, config.defer_embedding_updates,
                         config.clip_norm);
  std::vector<float> grad(model.params().size());
  Adam adam(config.adam, model.params().size());
  // Shuffling has its own stream so changing the initialisation never changes the order.
  Rng shuffle_rng(config.seed ^ 0x5EED5EED5EED5EEDull);
  EpochEnd epoch_end(config);
  const int first_epoch = resume ? epoch_end.resume(*resume, model, adam, shuffle_rng) : 1;

  for (int epoch = first_epoch; epoch <= config.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const double lr = epoch_end.learning_rate(epoch);
    adam.set_learning_rate(lr);
    if (callbacks.epoch_begin) callbacks.epoch_begin(epoch, config.epochs, steps);
    order.shuffle(shuffle_rng);
    RunningSums sums;
    for (size_t step = 0; step < steps; ++step) {
      batch.gather(data, order.batch(step));
      // The previous step's deferred embedding rows run beside this batch's shards; none of
      // them is read by this batch.
      batch.run_shards(model, pool, {config.seed, static_cast<uint64_t>(epoch), step},
                       config.class_weights, update.pending_task(adam, model.params(), grad));
      update.begin_step(grad);
      batch.reduce(model, grad, update.table(), sums);
      if (!std::isfinite(sums.loss)) diverged(epoch, step + 1, steps, lr, "the loss is not finite");
      update.step(adam, model.params(), grad, data, order.batch(step + 1), pool);
      if (callbacks.batch_end)
        callbacks.batch_end(step + 1, steps, sums.loss / static_cast<double>(sums.seen),
                            static_cast<double>(sums.correct) / static_cast<double>(sums.seen));
    }
    EpochResult result;
    result.epoch = epoch;
    result.learning_rate = lr;
    result.train.n = sums.seen;
    result.train.loss = sums.loss / static_cast<double>(sums.seen);
    result.train.accuracy = static_cast<double>(sums.correct) / static_cast<double>(sums.seen);
    if (const std::string name = model.non_finite_tensor(); !name.empty())
      diverged(epoch, steps, steps, lr, "parameter " + name + " is not finite");
    if (val.n > 0) result.val = evaluate(model, val, 0, val.n, config.eval_batch_size, pool);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (epoch_end.on_epoch_end(result, model, adam, shuffle_rng, callbacks)) break;
  }
  epoch_end.on_train_end(model);
  return epoch_end.history();
}

}  // namespace sentiment
