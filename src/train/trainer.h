// The training loop (Keras Model.fit semantics); evaluation is in evaluate.h. Batches are split
// into fixed-size shards that run in parallel; each shard writes its own gradient slot and the
// slots are summed in shard order, so results are bit-identical for any thread count.
// Dropout masks come from a seed derived from (seed, epoch, step, shard), and the shuffling
// stream is part of the checkpoint, so a resumed run repeats an uninterrupted one exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/thread_pool.h"
#include "data/dataset.h"
#include "layers/loss.h"  // loss_and_gradient, count_correct
#include "model/inference.h"
#include "model/model.h"
#include "optim/adam.h"
#include "train/callbacks.h"
#include "train/evaluate.h"  // evaluate, logits_for, predict, Metrics
#include "train/split.h"

namespace sentiment {

struct TrainConfig {
  int epochs = 5;
  size_t batch_size = 64;
  double validation_split = 0.2;
  SplitMode split_mode = SplitMode::kTail;  // tail = the last rows, as Keras does
  uint64_t seed = 1;
  size_t eval_batch_size = 256;
  AdamConfig adam;
  LrSchedule schedule;
  std::optional<EarlyStoppingConfig> early_stopping;
  double clip_norm = 0.0;                           // > 0: clip the batch gradient's global norm
  std::vector<double> class_weights;                // per class, empty = all 1 (training loss only)
  bool bucket_by_length = false;                    // batches of similar length (with mask_zero)
  std::string checkpoint_monitor = "val_accuracy";  // what makes an epoch the "best"
  // The n-gram head's table: update only the rows a batch used (lazy Adam, as TensorFlow's
  // LazyAdam; about 2.5x faster IMDB epochs with a 1M-row table), or every row every step
  // (as Keras's Adam does for an Embedding).
  bool lazy_ngram_updates = true;
  // Apply each step's update to the embedding rows the next batch does not read while that
  // batch runs, as one more task beside its shards, instead of before it: the same
  // arithmetic in the same order per parameter (identical weights), with less of the
  // memory-bound update between batches. Every parameter is current at each epoch's end.
  // Models without an n-gram head.
  bool defer_embedding_updates = true;
};

struct EpochResult {
  int epoch = 0;  // 1-based
  Metrics train, val;
  double seconds = 0.0;
  double learning_rate = 0.0;
  bool best = false;  // the checkpoint monitor improved this epoch
};

struct History {
  std::vector<double> loss, accuracy, val_loss, val_accuracy, epoch_seconds, learning_rate;
};

// Everything needed to continue training after `epoch` completed epochs but the weights:
// the counters, the shuffling stream, the schedule, early stopping and the history.
struct TrainProgress {
  int epoch = 0;
  int64_t adam_steps = 0;
  Rng::State shuffle_rng;
  std::string scheduler_json = "null";
  std::string early_stopping_json = "null";
  std::string checkpoint_best_json = "null";  // {"epoch", "value"} of the best epoch so far
  History history;
};

// The whole state, owned: what a checkpoint file holds and a resumed run starts from.
struct TrainState : TrainProgress {
  std::vector<float> params;
  std::vector<float> adam_m, adam_v;
  std::vector<float> best_params;  // kept only for restore_best_weights
};

// The state as TrainCallbacks::checkpoint sees it: the live weights, Adam's moments and the
// best weights by view, valid during the call only, so that a checkpoint copies none of
// them (for a model with a large n-gram table they are most of the process's memory).
struct TrainStateView {
  const TrainProgress& progress;
  std::span<const float> params, adam_m, adam_v, best_params;
};

TrainStateView view_of(const TrainState& state);
TrainState copy_of(const TrainStateView& view);

struct TrainCallbacks {
  std::function<void(int epoch, int epochs, size_t steps)> epoch_begin;
  // step is 1-based; loss and accuracy are running means over the epoch so far.
  std::function<void(size_t step, size_t steps, double loss, double accuracy)> batch_end;
  std::function<void(const EpochResult&)> epoch_end;
  // After every epoch, once epoch_end has run: the state to resume from.
  std::function<void(const TrainStateView&)> checkpoint;
};

// Validates the configuration against the data; throws Error naming the bad value.
void validate_train_config(const TrainConfig& config, size_t rows);

// Trains model on data (validation rows chosen by config.split_mode). The model must
// already be initialised. Labels are class ids (0 .. num_classes - 1) and tokens
// < vocab_size. With resume, training continues from that state (the model's parameters
// are replaced by it).
History fit(Model& model, const data::EncodedSplit& data, const TrainConfig& config,
            ThreadPool& pool, const TrainCallbacks& callbacks = {},
            const TrainState* resume = nullptr);

}  // namespace sentiment
