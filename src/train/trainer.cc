// Model.fit: per epoch a fresh permutation of the training rows (optionally bucketed by
// length), mini-batches split into shards run on the thread pool, gradients reduced in
// shard order, optional clipping, one Adam step per batch (the embedding rows the next batch
// does not read are stepped while it runs); then validation, the learning
// rate schedule, early stopping and a checkpoint of the whole training state.
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"

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
  const auto K = static_cast<float>(model.config().num_classes);
  for (size_t n = 0; n < data.n; ++n) {
    const float y = data.labels[n];
    if (!(y >= 0.0f && y < K) || y != std::floor(y))
      throw Error("label " + std::to_string(y) + " of row " + std::to_string(n) +
                  " is not a class id in [0, " + std::to_string(model.config().num_classes) + ")");
  }
}

// Splits one Adam step's parameters for a deferred embedding update: the embedding rows
// marked in `mark` (one byte per vocabulary row) and every parameter after the embedding go
// to `now`, the other rows to `later`, both as runs of consecutive rows. Clears `mark`.
void split_embedding_rows(std::vector<uint8_t>& mark, size_t dim, size_t total,
                          std::vector<ParamRange>& now, std::vector<ParamRange>& later) {
  now.clear();
  later.clear();
  const size_t rows = mark.size();
  for (size_t r = 0; r < rows;) {
    const uint8_t m = mark[r];
    size_t end = r + 1;
    while (end < rows && mark[end] == m) ++end;
    (m ? now : later).push_back({r * dim, end * dim});
    r = end;
  }
  std::fill(mark.begin(), mark.end(), uint8_t{0});
  if (rows * dim < total) now.push_back({rows * dim, total});
}

// Per-shard sums for one batch, reduced in shard order by the caller.
struct ShardSums {
  double loss = 0.0;
  size_t correct = 0;
};

// A seed per (seed, epoch, step, shard) for dropout masks: splitmix64-style mixing, so
// neighbouring shards get unrelated streams.
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

std::vector<int32_t> class_ids(const data::EncodedSplit& data) {
  std::vector<int32_t> ids(data.n);
  for (size_t n = 0; n < data.n; ++n) ids[n] = static_cast<int32_t>(data.labels[n]);
  return ids;
}

// Sorts windows of the shuffled order by length so that each batch holds rows of similar
// length (less work per packed shard), then shuffles the order of the batches.
void bucket_order(std::vector<size_t>& order, const std::vector<size_t>& lengths, size_t batch_size,
                  Rng& rng) {
  const size_t window = batch_size * 32;
  for (size_t start = 0; start < order.size(); start += window) {
    const auto first = order.begin() + static_cast<ptrdiff_t>(start);
    const auto last =
        order.begin() + static_cast<ptrdiff_t>(std::min(order.size(), start + window));
    std::stable_sort(first, last, [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  }
  const size_t batches = (order.size() + batch_size - 1) / batch_size;
  std::vector<size_t> which(batches);
  std::iota(which.begin(), which.end(), size_t{0});
  rng.shuffle(std::span<size_t>(which));
  std::vector<size_t> out;
  out.reserve(order.size());
  for (size_t b : which)
    for (size_t k = b * batch_size; k < std::min(order.size(), (b + 1) * batch_size); ++k)
      out.push_back(order[k]);
  order.swap(out);
}

EpochLogs logs_of(const EpochResult& r) {
  EpochLogs logs{{"loss", r.train.loss}, {"accuracy", r.train.accuracy}};
  if (r.val.n > 0) {
    logs["val_loss"] = r.val.loss;
    logs["val_accuracy"] = r.val.accuracy;
  }
  return logs;
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

std::vector<float> logits_for(const Model& model, const data::EncodedSplit& data, size_t begin,
                              size_t end, size_t batch_size, ThreadPool& pool) {
  if (begin > end || end > data.n)
    throw Error("rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                ") are outside the data's " + std::to_string(data.n) + " rows");
  check_split(model, data);
  // The per-word projection tables cost one row per vocabulary word; they pay off once the
  // rows hold several times as many tokens, and are kept to 64 MiB.
  const ModelConfig& cfg = model.config();
  ProjectionTables tables;
  if (4 * cfg.vocab_size <= (end - begin) * data.maxlen &&
      projection_table_floats(cfg) <= (size_t{1} << 24))
    tables = input_projection_tables(model);
  return predict_logits(model, data.tokens.data() + begin * data.maxlen, end - begin, data.maxlen,
                        batch_size, pool, tables.empty() ? nullptr : &tables);
}

Metrics evaluate(const Model& model, const data::EncodedSplit& data, size_t begin, size_t end,
                 size_t batch_size, ThreadPool& pool) {
  const std::vector<float> logits = logits_for(model, data, begin, end, batch_size, pool);
  const size_t K = model.config().num_classes;
  Metrics m;
  m.n = end - begin;
  if (m.n == 0) return m;
  const float* y = data.labels.data() + begin;
  m.loss =
      loss_and_gradient(nullptr, logits.data(), y, m.n, K, 1.0f, {}) / static_cast<double>(m.n);
  m.accuracy =
      static_cast<double>(count_correct(logits.data(), y, m.n, K)) / static_cast<double>(m.n);
  return m;
}

std::vector<float> predict(const Model& model, const data::EncodedSplit& data, size_t begin,
                           size_t end, size_t batch_size, ThreadPool& pool) {
  if (model.config().num_classes != 2) throw Error("predict: the model is not binary");
  std::vector<float> probs = logits_for(model, data, begin, end, batch_size, pool);
  for (auto& p : probs) p = sigmoid(p);
  return probs;
}

History fit(Model& model, const data::EncodedSplit& data, const TrainConfig& config,
            ThreadPool& pool, const TrainCallbacks& callbacks, const TrainState* resume) {
  validate_train_config(config, data.n);
  check_split(model, data);
  const auto& cfg = model.config();
  const size_t T = data.maxlen, K = cfg.num_classes, O = cfg.outputs();
  if (!config.class_weights.empty() && config.class_weights.size() != K)
    throw Error("got " + std::to_string(config.class_weights.size()) + " class weights, expected " +
                std::to_string(K));

  // Validation rows: gathered into their own split, so evaluation reads them contiguously.
  const Split split =
      make_split(config.split_mode, class_ids(data), config.validation_split, config.seed);
  data::EncodedSplit val;
  val.maxlen = T;
  val.n = split.val.size();
  for (size_t row : split.val) {
    val.tokens.insert(val.tokens.end(), data.tokens.begin() + static_cast<ptrdiff_t>(row * T),
                      data.tokens.begin() + static_cast<ptrdiff_t>((row + 1) * T));
    val.labels.push_back(data.labels[row]);
  }
  const size_t n_train = split.train.size();
  const size_t steps = (n_train + config.batch_size - 1) / config.batch_size;
  const size_t max_shards = num_shards(config.batch_size);
  const size_t dense_size = model.params().size() - model.sparse_size();
  std::vector<size_t> lengths;
  if (config.bucket_by_length) {
    lengths.resize(data.n);
    for (size_t n = 0; n < data.n; ++n)
      lengths[n] = static_cast<size_t>(
          std::count_if(data.tokens.begin() + static_cast<ptrdiff_t>(n * T),
                        data.tokens.begin() + static_cast<ptrdiff_t>((n + 1) * T),
                        [](int32_t v) { return v != 0; }));
  }

  std::vector<ShardCache> caches(max_shards);
  std::vector<std::vector<float>> shard_grads(max_shards, std::vector<float>(dense_size));
  std::vector<ShardSums> sums(max_shards);
  std::vector<float> grad(model.params().size());
  std::vector<int32_t> batch_tokens(config.batch_size * T);
  std::vector<float> batch_labels(config.batch_size);
  std::vector<size_t> order(n_train);
  Adam adam(config.adam, model.params().size());
  // The n-gram table is large and each batch touches a few of its rows: its gradient is
  // cleared, clipped and applied row by row (lazy Adam); everything else every step.
  const size_t table_begin = model.embedding_size(), table_end = model.sparse_size();
  const size_t table_dim = cfg.ngrams.enabled() && config.lazy_ngram_updates ? cfg.ngrams.dim : 0;
  std::vector<ParamRange> ranges;
  std::vector<uint32_t> touched;
  std::vector<uint8_t> is_touched(table_dim ? (table_end - table_begin) / table_dim : 0, 0);
  // Deferred embedding updates (TrainConfig::defer_embedding_updates): `later` is the
  // previous step's share, applied with its coefficients during the current step.
  const bool defer = config.defer_embedding_updates && !cfg.ngrams.enabled();
  std::vector<uint8_t> row_mark(defer ? cfg.vocab_size : 0, 0);
  std::vector<ParamRange> now, later;
  Adam::StepCoefficients later_k;
  // Shuffling has its own stream so changing the initialisation never changes the order.
  Rng shuffle_rng(config.seed ^ 0x5EED5EED5EED5EEDull);
  LrScheduler scheduler(config.schedule, config.adam.learning_rate, config.epochs);
  std::optional<EarlyStopping> stopper;
  if (config.early_stopping) stopper.emplace(*config.early_stopping);
  const bool keep_best = stopper && stopper->config().restore_best_weights;
  EarlyStoppingConfig best_cfg;
  best_cfg.monitor = config.checkpoint_monitor;
  EarlyStopping best_tracker(best_cfg);  // only its notion of "best" is used

  TrainState state;
  History history;
  int first_epoch = 1;
  if (resume) {
    if (resume->params.size() != model.params().size())
      throw Error("checkpoint has " + std::to_string(resume->params.size()) +
                  " parameters, the model has " + std::to_string(model.params().size()));
    std::copy(resume->params.begin(), resume->params.end(), model.params().begin());
    adam.restore(resume->adam_m, resume->adam_v, resume->adam_steps);
    shuffle_rng.set_state(resume->shuffle_rng);
    scheduler.restore(nlohmann::json::parse(resume->scheduler_json));
    if (stopper) stopper->restore(nlohmann::json::parse(resume->early_stopping_json));
    best_tracker.restore(nlohmann::json::parse(resume->checkpoint_best_json));
    state.best_params = resume->best_params;
    history = resume->history;
    first_epoch = resume->epoch + 1;
  }

  for (int epoch = first_epoch; epoch <= config.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const double lr = scheduler.lr_for_epoch(epoch);
    adam.set_learning_rate(lr);
    if (callbacks.epoch_begin) callbacks.epoch_begin(epoch, config.epochs, steps);
    std::copy(split.train.begin(), split.train.end(), order.begin());
    shuffle_rng.shuffle(std::span<size_t>(order));
    if (config.bucket_by_length) bucket_order(order, lengths, config.batch_size, shuffle_rng);
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
      // The previous step's deferred rows are one more task: the thread that finishes its
      // shard first takes it. None of those rows is read by this batch.
      pool.parallel_for(shards + (later.empty() ? 0 : 1), [&](size_t s, size_t) {
        if (s == shards) {
          adam.update(model.params(), grad, later, later_k, true);
          return;
        }
        const size_t rows = std::min(kShardSize, B - s * kShardSize);
        const int32_t* tokens = batch_tokens.data() + s * kShardSize * T;
        const float* labels = batch_labels.data() + s * kShardSize;
        ShardCache& cache = caches[s];
        cache.training = true;
        cache.dropout_seed = mix_seed(config.seed, static_cast<uint64_t>(epoch), step, s);
        model_forward(model, cache, tokens, rows, T, T);
        cache.dlogits.resize(rows * O);
        sums[s].loss = loss_and_gradient(cache.dlogits.data(), cache.logits.data(), labels, rows, K,
                                         scale, config.class_weights);
        if (!cache.head_logits.empty()) {
          // Two heads: each learns from its own loss; the reported loss is the mean's.
          cache.dhead_logits.resize(2 * rows * O);
          for (size_t h = 0; h < 2; ++h)
            loss_and_gradient(cache.dhead_logits.data() + h * rows * O,
                              cache.head_logits.data() + h * rows * O, labels, rows, K, scale,
                              config.class_weights);
        }
        sums[s].correct = count_correct(cache.logits.data(), labels, rows, K);
        std::fill(shard_grads[s].begin(), shard_grads[s].end(), 0.0f);
        model_backward(model, cache, shard_grads[s].data());
      });
      later.clear();
      // Reduce in shard order: the embedding by scatter-adding each shard's input
      // gradient, the rest by summing the shard slots. Without an n-gram table, grad is all
      // zeros here: every update clears what it read.
      if (table_dim != 0) {
        for (const ParamRange& r : ranges)
          std::fill(grad.begin() + static_cast<ptrdiff_t>(r.begin),
                    grad.begin() + static_cast<ptrdiff_t>(r.end), 0.0f);
        ranges.assign({{0, table_begin}});
        touched.clear();
        for (size_t s = 0; s < shards; ++s)
          for (uint32_t row : caches[s].ngram.ids)
            if (!is_touched[row]) is_touched[row] = 1, touched.push_back(row);
        std::sort(touched.begin(), touched.end());
        for (uint32_t row : touched) {
          is_touched[row] = 0;
          const size_t b = table_begin + size_t{row} * table_dim;
          ranges.push_back({b, b + table_dim});
        }
        ranges.push_back({table_end, grad.size()});
      }
      float* grad_rest = grad.data() + model.sparse_size();
      for (size_t s = 0; s < shards; ++s) {
        model_embedding_backward(model, caches[s], grad.data());
        const float* g = shard_grads[s].data();
        for (size_t k = 0; k < dense_size; ++k) grad_rest[k] += g[k];
        loss_sum += sums[s].loss;
        correct += sums[s].correct;
      }
      if (table_dim == 0) {
        if (config.clip_norm > 0.0) clip_by_global_norm(grad, config.clip_norm);
        const Adam::StepCoefficients k = adam.begin_step();
        const ParamRange all{0, grad.size()};
        std::span<const ParamRange> update_now(&all, 1);
        if (defer && step + 1 < steps) {  // the last step of an epoch updates everything
          // The rows the next batch reads: its tokens', and row 0 (the shared padding run's).
          const size_t next = first + B, rows = std::min(config.batch_size, n_train - next);
          row_mark[0] = 1;
          for (size_t n = 0; n < rows; ++n) {
            const int32_t* tokens = data.tokens.data() + order[next + n] * T;
            for (size_t t = 0; t < T; ++t) row_mark[static_cast<size_t>(tokens[t])] = 1;
          }
          split_embedding_rows(row_mark, cfg.embedding_dim, grad.size(), now, later);
          update_now = now;
          later_k = k;
        }
        adam.update(model.params(), grad, update_now, k, true, &pool);
      } else {
        if (config.clip_norm > 0.0) clip_by_global_norm(grad, ranges, config.clip_norm);
        adam.step(model.params(), grad, ranges, &pool);
      }
      seen += B;
      if (callbacks.batch_end)
        callbacks.batch_end(step + 1, steps, loss_sum / static_cast<double>(seen),
                            static_cast<double>(correct) / static_cast<double>(seen));
    }
    EpochResult result;
    result.epoch = epoch;
    result.learning_rate = lr;
    result.train.n = seen;
    result.train.loss = loss_sum / static_cast<double>(seen);
    result.train.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    if (val.n > 0) result.val = evaluate(model, val, 0, val.n, config.eval_batch_size, pool);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.loss.push_back(result.train.loss);
    history.accuracy.push_back(result.train.accuracy);
    history.val_loss.push_back(result.val.loss);
    history.val_accuracy.push_back(result.val.accuracy);
    history.epoch_seconds.push_back(result.seconds);
    history.learning_rate.push_back(lr);

    const EpochLogs logs = logs_of(result);
    if (logs.count(config.checkpoint_monitor)) {
      best_tracker.on_epoch_end(epoch, logs);
      result.best = best_tracker.best_epoch() == epoch;
    }
    scheduler.on_epoch_end(epoch, logs);
    bool stop = false;
    if (stopper) {
      stop = stopper->on_epoch_end(epoch, logs);
      if (keep_best && stopper->best_epoch() == epoch)
        state.best_params.assign(model.params().begin(), model.params().end());
    }
    if (callbacks.epoch_end) callbacks.epoch_end(result);
    if (callbacks.checkpoint) {
      state.epoch = epoch;
      state.params.assign(model.params().begin(), model.params().end());
      state.adam_m = adam.m();
      state.adam_v = adam.v();
      state.adam_steps = adam.steps();
      state.shuffle_rng = shuffle_rng.state();
      state.scheduler_json = scheduler.state().dump();
      state.early_stopping_json = stopper ? stopper->state().dump() : "null";
      state.checkpoint_best_json = best_tracker.state().dump();
      state.history = history;
      callbacks.checkpoint(state);
    }
    if (stop) break;
  }
  if (keep_best && !state.best_params.empty())
    std::copy(state.best_params.begin(), state.best_params.end(), model.params().begin());
  return history;
}

}  // namespace sentiment
