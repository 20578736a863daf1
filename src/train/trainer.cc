// Model.fit for the recipe: per epoch a fresh permutation of the training rows, mini-batches
// split into shards run on the thread pool, gradients reduced in shard order, one Adam step
// per batch, then evaluation on the validation rows.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/dense.h"
#include "kernels/embedding.h"

namespace sentiment {
namespace {

void check_split(const Model& model, const data::EncodedSplit& data) {
  if (data.labels.size() != data.n || data.tokens.size() != data.n * data.maxlen)
    throw Error("encoded data is inconsistent: " + std::to_string(data.n) + " rows, " +
                std::to_string(data.labels.size()) + " labels, " +
                std::to_string(data.tokens.size()) + " tokens");
  try {
    check_tokens(model, data.tokens.data(), data.tokens.size());
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (row length " + std::to_string(data.maxlen) + ")");
  }
}

// Per-shard sums for one batch, reduced in shard order by the caller.
struct ShardSums {
  double loss = 0.0;
  size_t correct = 0;
};

size_t count_correct(const float* logits, const float* labels, size_t B) {
  size_t correct = 0;
  for (size_t n = 0; n < B; ++n) correct += (logits[n] > 0.0f) == (labels[n] > 0.5f);
  return correct;
}

std::vector<float> compute_logits(const Model& model, const data::EncodedSplit& data, size_t begin,
                                  size_t end, size_t batch_size, ThreadPool& pool) {
  if (begin > end || end > data.n)
    throw Error("rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                ") are outside the data's " + std::to_string(data.n) + " rows");
  check_split(model, data);
  return predict_logits(model, data.tokens.data() + begin * data.maxlen, end - begin, data.maxlen,
                        batch_size, pool);
}

}  // namespace

void validate_train_config(const TrainConfig& c, size_t rows) {
  if (c.epochs < 1) throw Error("--epochs must be >= 1, got " + std::to_string(c.epochs));
  if (c.batch_size < 1) throw Error("--batch-size must be >= 1");
  if (!(c.validation_split >= 0.0 && c.validation_split < 1.0))
    throw Error("--validation-split must be in [0, 1), got " + std::to_string(c.validation_split));
  if (!(c.adam.learning_rate > 0.0))
    throw Error("--learning-rate must be > 0, got " + std::to_string(c.adam.learning_rate));
  const auto val = static_cast<size_t>(std::floor(static_cast<double>(rows) * c.validation_split));
  if (rows - val < 1)
    throw Error("no training rows left: " + std::to_string(rows) + " rows with validation split " +
                std::to_string(c.validation_split));
}

Metrics evaluate(const Model& model, const data::EncodedSplit& data, size_t begin, size_t end,
                 size_t batch_size, ThreadPool& pool) {
  const std::vector<float> logits = compute_logits(model, data, begin, end, batch_size, pool);
  Metrics m;
  m.n = logits.size();
  if (m.n == 0) return m;
  const float* y = data.labels.data() + begin;
  m.loss = kernels::bce_with_logits<float>(nullptr, logits.data(), y, m.n, 1.0f) /
           static_cast<double>(m.n);
  m.accuracy = static_cast<double>(count_correct(logits.data(), y, m.n)) / static_cast<double>(m.n);
  return m;
}

std::vector<float> predict(const Model& model, const data::EncodedSplit& data, size_t begin,
                           size_t end, size_t batch_size, ThreadPool& pool) {
  std::vector<float> probs = compute_logits(model, data, begin, end, batch_size, pool);
  for (auto& p : probs) p = sigmoid(p);
  return probs;
}

History fit(Model& model, const data::EncodedSplit& data, const TrainConfig& config,
            ThreadPool& pool, const TrainCallbacks& callbacks) {
  validate_train_config(config, data.n);
  check_split(model, data);
  const auto& cfg = model.config();
  const size_t T = data.maxlen, E = cfg.embedding_dim;
  const size_t n_val =
      static_cast<size_t>(std::floor(static_cast<double>(data.n) * config.validation_split));
  const size_t n_train = data.n - n_val;
  const size_t steps = (n_train + config.batch_size - 1) / config.batch_size;
  const size_t max_shards = num_shards(config.batch_size);
  const size_t dense_size = model.params().size() - model.embedding_size();

  std::vector<ShardCache> caches(max_shards);
  std::vector<std::vector<float>> shard_grads(max_shards, std::vector<float>(dense_size));
  std::vector<ShardSums> sums(max_shards);
  std::vector<float> grad(model.params().size());
  std::vector<int32_t> batch_tokens(config.batch_size * T);
  std::vector<float> batch_labels(config.batch_size);
  std::vector<size_t> order(n_train);
  Adam adam(config.adam, model.params().size());
  // Shuffling has its own stream so changing the initialisation never changes the order.
  Rng shuffle_rng(config.seed ^ 0x5EED5EED5EED5EEDull);

  History history;
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (callbacks.epoch_begin) callbacks.epoch_begin(epoch, config.epochs, steps);
    for (size_t k = 0; k < n_train; ++k) order[k] = k;
    shuffle_rng.shuffle(std::span<size_t>(order));
    double loss_sum = 0.0;
    size_t correct = 0, seen = 0;
    for (size_t step = 0; step < steps; ++step) {
      const size_t first = step * config.batch_size;
      const size_t B = std::min(config.batch_size, n_train - first);
      for (size_t n = 0; n < B; ++n) {
        const size_t row = order[first + n];
        std::copy_n(data.tokens.data() + row * T, T, batch_tokens.data() + n * T);
        batch_labels[n] = data.labels[row];
      }
      const size_t shards = num_shards(B);
      const float scale = 1.0f / static_cast<float>(B);  // mean loss over the batch
      pool.parallel_for(shards, [&](size_t s, size_t) {
        const size_t rows = std::min(kShardSize, B - s * kShardSize);
        const int32_t* tokens = batch_tokens.data() + s * kShardSize * T;
        const float* labels = batch_labels.data() + s * kShardSize;
        ShardCache& cache = caches[s];
        cache.resize(cfg, rows, T, true);
        model_forward(model, cache, tokens, T);
        sums[s].loss = kernels::bce_with_logits(cache.dlogits.data(), cache.logits.data(), labels,
                                                rows, scale);
        sums[s].correct = count_correct(cache.logits.data(), labels, rows);
        std::fill(shard_grads[s].begin(), shard_grads[s].end(), 0.0f);
        model_backward(model, cache, shard_grads[s].data());
      });
      // Reduce in shard order: the embedding by scatter-adding each shard's input
      // gradient, the rest by summing the shard slots.
      std::fill(grad.begin(), grad.end(), 0.0f);
      float* grad_rest = grad.data() + model.embedding_size();
      for (size_t s = 0; s < shards; ++s) {
        const size_t rows = caches[s].B;
        kernels::embedding_backward(grad.data(), batch_tokens.data() + s * kShardSize * T, T,
                                    caches[s].dx.data(), {T, rows, E});
        const float* g = shard_grads[s].data();
        for (size_t k = 0; k < dense_size; ++k) grad_rest[k] += g[k];
        loss_sum += sums[s].loss;
        correct += sums[s].correct;
      }
      adam.step(model.params(), grad, &pool);
      seen += B;
      if (callbacks.batch_end)
        callbacks.batch_end(step + 1, steps, loss_sum / static_cast<double>(seen),
                            static_cast<double>(correct) / static_cast<double>(seen));
    }
    EpochResult result;
    result.epoch = epoch;
    result.train.n = seen;
    result.train.loss = loss_sum / static_cast<double>(seen);
    result.train.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    if (n_val > 0)
      result.val = evaluate(model, data, n_train, data.n, config.eval_batch_size, pool);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.loss.push_back(result.train.loss);
    history.accuracy.push_back(result.train.accuracy);
    history.val_loss.push_back(result.val.loss);
    history.val_accuracy.push_back(result.val.accuracy);
    history.epoch_seconds.push_back(result.seconds);
    if (callbacks.epoch_end) callbacks.epoch_end(result);
  }
  return history;
}

}  // namespace sentiment
