// The training loop (Keras Model.fit semantics for the recipe) and evaluation. Batches are
// split into fixed-size shards that run in parallel; each shard writes its own gradient
// slot and the slots are summed in shard order, so results are bit-identical for any
// thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "data/dataset.h"
#include "model/inference.h"
#include "model/model.h"
#include "optim/adam.h"

namespace sentiment {

struct TrainConfig {
  int epochs = 5;
  size_t batch_size = 64;
  double validation_split = 0.2;  // the last fraction of the rows, as Keras does
  uint64_t seed = 1;
  size_t threads = 0;  // 0 = all cores
  size_t eval_batch_size = 256;
  AdamConfig adam;
};

struct Metrics {
  double loss = 0.0;
  double accuracy = 0.0;
  size_t n = 0;
};

struct EpochResult {
  int epoch = 0;  // 1-based
  Metrics train, val;
  double seconds = 0.0;
};

struct History {
  std::vector<double> loss, accuracy, val_loss, val_accuracy, epoch_seconds;
};

struct TrainCallbacks {
  std::function<void(int epoch, int epochs, size_t steps)> epoch_begin;
  // step is 1-based; loss and accuracy are running means over the epoch so far.
  std::function<void(size_t step, size_t steps, double loss, double accuracy)> batch_end;
  std::function<void(const EpochResult&)> epoch_end;
};

// Validates the configuration against the data; throws Error naming the bad value.
void validate_train_config(const TrainConfig& config, size_t rows);

// Trains model on data (validation split taken from its tail). The model must already be
// initialised. Tokens must be < vocab_size.
History fit(Model& model, const data::EncodedSplit& data, const TrainConfig& config,
            ThreadPool& pool, const TrainCallbacks& callbacks = {});

// Loss and accuracy of model on rows [begin, end) of data.
Metrics evaluate(const Model& model, const data::EncodedSplit& data, size_t begin, size_t end,
                 size_t batch_size, ThreadPool& pool);

// Probabilities (sigmoid of the logits) for rows [begin, end) of data.
std::vector<float> predict(const Model& model, const data::EncodedSplit& data, size_t begin,
                           size_t end, size_t batch_size, ThreadPool& pool);

}  // namespace sentiment
