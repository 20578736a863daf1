// One training batch's gradient: its rows gathered, split into fixed-size shards that run
// forward, loss and backward on the pool (each into its own gradient slot), then the slots
// summed in shard order, so the gradient is bit-identical for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "data/dataset.h"
#include "model/model.h"
#include "train/sparse_updates.h"

namespace sentiment {

// Sums over the batches of an epoch so far, added to in shard order.
struct RunningSums {
  double loss = 0.0;
  size_t correct = 0;
  size_t seen = 0;
};

// Where a shard's dropout masks come from: a seed per (seed, epoch, step, shard).
struct ShardSeed {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  uint64_t step = 0;
};

// splitmix64-style mixing of (seed, epoch, step, shard), so neighbouring shards get
// unrelated dropout streams.
uint64_t mix_seed(uint64_t seed, uint64_t epoch, uint64_t step, uint64_t shard);

class BatchStep {
 public:
  // Buffers for batches of up to batch_size rows of T tokens.
  BatchStep(const Model& model, size_t batch_size, size_t T);

  // Copies rows of data (at most batch_size) into the batch.
  void gather(const data::EncodedSplit& data, std::span<const size_t> rows);
  // Every shard's forward, loss (weighted by class_weights, per class or empty) and backward
  // on the pool. beside, when set, runs as one more task: the thread that finishes its shard
  // first takes it.
  void run_shards(const Model& model, ThreadPool& pool, const ShardSeed& seed,
                  const std::vector<double>& class_weights, const std::function<void()>& beside);
  // Adds the shards' gradients to grad (all parameters) in shard order, the embedding by
  // scatter-adding each shard's input gradient; marks the n-gram rows each shard used in
  // table (when not null); adds the shards' losses and correct rows to sums.
  void reduce(const Model& model, std::span<float> grad, LazyTableRows* table, RunningSums& sums);

 private:
  // Per-shard results, reduced in shard order.
  struct ShardSums {
    double loss = 0.0;
    size_t correct = 0;
  };
  void run_shard(const Model& model, size_t s, uint64_t dropout_seed, float scale,
                 const std::vector<double>& class_weights);
  void reduce_shard(const Model& model, size_t s, float* grad, LazyTableRows* table);

  size_t T_, dense_size_;
  size_t B_ = 0;
  std::vector<int32_t> tokens_;  // (B, T)
  std::vector<float> labels_;    // (B)
  std::vector<ShardCache> caches_;
  std::vector<std::vector<float>> shard_grads_;  // [shard] (dense_size_)
  std::vector<ShardSums> shard_sums_;
};

}  // namespace sentiment
