// The batch step: gather, shards on the pool, reduction in shard order. Everything it asks
// of the model is in run_shard and reduce_shard.
#include "train/batch_step.h"

#include <algorithm>

#include "layers/loss.h"
#include "model/inference.h"

namespace sentiment {

uint64_t mix_seed(uint64_t seed, uint64_t epoch, uint64_t step, uint64_t shard) {
  uint64_t z = seed ^ 0xD809D809D809D809ull;
  for (uint64_t v : {epoch, step, shard}) {
    z += 0x9E3779B97F4A7C15ull + v;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
  }
  return z;
}

BatchStep::BatchStep(const Model& model, size_t batch_size, size_t T)
    : T_(T),
      dense_size_(model.params().size() - model.sparse_size()),
      tokens_(batch_size * T),
      labels_(batch_size),
      caches_(num_shards(batch_size)),
      shard_grads_(num_shards(batch_size), std::vector<float>(dense_size_)),
      shard_sums_(num_shards(batch_size)) {}

void BatchStep::gather(const data::EncodedSplit& data, std::span<const size_t> rows) {
  B_ = rows.size();
  for (size_t n = 0; n < B_; ++n) {
    std::copy_n(data.tokens.data() + rows[n] * T_, T_, tokens_.data() + n * T_);
    labels_[n] = data.labels[rows[n]];
  }
}

void BatchStep::run_shards(const Model& model, ThreadPool& pool, const ShardSeed& seed,
                           const std::vector<double>& class_weights,
                           const std::function<void()>& beside) {
  const size_t shards = num_shards(B_);
  const float scale = 1.0f / static_cast<float>(B_);  // mean loss over the batch
  pool.parallel_for(shards + (beside ? 1 : 0), [&](size_t s, size_t) {
    if (s == shards) {
      beside();
      return;
    }
    run_shard(model, s, mix_seed(seed.seed, seed.epoch, seed.step, s), scale, class_weights);
  });
}

void BatchStep::reduce(const Model& model, std::span<float> grad, LazyTableRows* table,
                       RunningSums& sums) {
  float* grad_rest = grad.data() + model.sparse_size();
  for (size_t s = 0; s < num_shards(B_); ++s) {
    reduce_shard(model, s, grad.data(), table);
    const float* g = shard_grads_[s].data();
    for (size_t k = 0; k < dense_size_; ++k) grad_rest[k] += g[k];
    sums.loss += shard_sums_[s].loss;
    sums.correct += shard_sums_[s].correct;
  }
  sums.seen += B_;
}

// ---------------------------------------------------------------------------------------
// The model API: a shard's forward, loss and backward, and its share of the reduction.

void BatchStep::run_shard(const Model& model, size_t s, uint64_t dropout_seed, float scale,
                          const std::vector<double>& class_weights) {
  const size_t rows = std::min(kShardSize, B_ - s * kShardSize);
  const size_t K = model.config().num_classes, O = model.config().outputs();
  const int32_t* tokens = tokens_.data() + s * kShardSize * T_;
  const float* labels = labels_.data() + s * kShardSize;
  ShardCache& cache = caches_[s];
  cache.training = true;
  cache.dropout_seed = dropout_seed;
  model_forward(model, cache, tokens, rows, T_, T_);
  cache.dlogits.resize(rows * O);
  shard_sums_[s].loss = loss_and_gradient(cache.dlogits.data(), cache.logits.data(), labels, rows,
                                          K, scale, class_weights);
  if (!cache.head_logits.empty()) {
    // Two heads: each learns from its own loss; the reported loss is the mean's.
    cache.dhead_logits.resize(2 * rows * O);
    for (size_t h = 0; h < 2; ++h)
      loss_and_gradient(cache.dhead_logits.data() + h * rows * O,
                        cache.head_logits.data() + h * rows * O, labels, rows, K, scale,
                        class_weights);
  }
  shard_sums_[s].correct = count_correct(cache.logits.data(), labels, rows, K);
  std::fill(shard_grads_[s].begin(), shard_grads_[s].end(), 0.0f);
  model_backward(model, cache, shard_grads_[s].data());
}

void BatchStep::reduce_shard(const Model& model, size_t s, float* grad, LazyTableRows* table) {
  if (table) table->mark(caches_[s].ngram.ids);
  model_embedding_backward(model, caches_[s], grad);
}

}  // namespace sentiment
