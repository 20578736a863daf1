// The training loop: it learns a task that needs memory across time steps, its results do
// not depend on the thread count, and it rejects bad configurations.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "train/trainer.h"

namespace sentiment {
namespace {

// Every sequence holds marker A = 3 and marker B = 4 once each at random positions among
// noise tokens 5..9; the label says whether A comes before B. Both markers occur in every
// sequence, so counting tokens gives chance accuracy: only a model that carries state
// across steps can solve it.
data::EncodedSplit order_task(size_t n, size_t T, uint64_t seed) {
  Rng rng(seed);
  data::EncodedSplit s;
  s.n = n;
  s.maxlen = T;
  s.tokens.resize(n * T);
  s.labels.resize(n);
  for (size_t r = 0; r < n; ++r) {
    int32_t* row = s.tokens.data() + r * T;
    for (size_t t = 0; t < T; ++t) row[t] = static_cast<int32_t>(5 + rng.below(5));
    const size_t a = rng.below(T);
    size_t b = rng.below(T - 1);
    if (b >= a) ++b;
    row[a] = 3;
    row[b] = 4;
    s.labels[r] = a < b ? 1.0f : 0.0f;
  }
  return s;
}

TEST(Trainer, LearnsATaskThatNeedsMemory) {
  const data::EncodedSplit train = order_task(3000, 10, 1);
  const data::EncodedSplit test = order_task(1000, 10, 2);
  Model model({10, 8, 16});
  Rng rng(3);
  model.initialize(rng);
  TrainConfig cfg;
  cfg.epochs = 12;
  cfg.batch_size = 32;
  cfg.validation_split = 0.0;
  cfg.adam.learning_rate = 1e-2;
  ThreadPool pool(2);
  const Metrics before = evaluate(model, test, 0, test.n, 256, pool);
  const History h = fit(model, train, cfg, pool);
  const Metrics after = evaluate(model, test, 0, test.n, 256, pool);
  EXPECT_NEAR(before.accuracy, 0.5, 0.08);  // chance before training
  // Solved, not merely above chance: order is recoverable exactly from the inputs.
  EXPECT_GT(after.accuracy, 0.95);
  EXPECT_LT(h.loss.back(), h.loss.front());
}

TEST(Trainer, SameSeedSameWeightsForAnyThreadCount) {
  const data::EncodedSplit train = order_task(300, 12, 4);
  std::vector<std::vector<float>> weights;
  std::vector<History> histories;
  for (size_t threads : {1u, 2u, 3u}) {
    Model model({10, 8, 8});
    Rng rng(5);
    model.initialize(rng);
    TrainConfig cfg;
    cfg.epochs = 2;
    cfg.batch_size = 100;  // 4 shards, the last one partial
    cfg.validation_split = 0.2;
    ThreadPool pool(threads);
    histories.push_back(fit(model, train, cfg, pool));
    weights.emplace_back(model.params().begin(), model.params().end());
  }
  for (size_t k = 1; k < weights.size(); ++k) {
    EXPECT_TRUE(weights[k] == weights[0]) << "threads run " << k << " differs";
    EXPECT_EQ(histories[k].loss, histories[0].loss);
    EXPECT_EQ(histories[k].val_accuracy, histories[0].val_accuracy);
  }
}

TEST(Trainer, DifferentSeedsDiverge) {
  const data::EncodedSplit train = order_task(200, 8, 6);
  std::vector<float> w[2];
  for (int k = 0; k < 2; ++k) {
    Model model({10, 4, 4});
    Rng rng(7);
    model.initialize(rng);
    TrainConfig cfg;
    cfg.epochs = 1;
    cfg.seed = static_cast<uint64_t>(k + 1);  // only the shuffling differs
    ThreadPool pool(1);
    fit(model, train, cfg, pool);
    w[k].assign(model.params().begin(), model.params().end());
  }
  EXPECT_NE(w[0], w[1]);
}

TEST(Trainer, RejectsBadConfigurationAndTokens) {
  data::EncodedSplit train = order_task(50, 5, 8);
  Model model({10, 4, 4});
  ThreadPool pool(1);
  TrainConfig cfg;
  cfg.validation_split = 1.5;
  EXPECT_THROW(fit(model, train, cfg, pool), Error);
  cfg = {};
  cfg.epochs = 0;
  EXPECT_THROW(fit(model, train, cfg, pool), Error);
  cfg = {};
  cfg.batch_size = 0;
  EXPECT_THROW(fit(model, train, cfg, pool), Error);
  cfg = {};
  train.tokens[7] = 10;  // == vocab_size
  try {
    fit(model, train, cfg, pool);
    FAIL() << "expected an error for an out-of-vocabulary token";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("outside the vocabulary"), std::string::npos);
  }
}

TEST(Trainer, PredictAndEvaluateAgree) {
  const data::EncodedSplit data = order_task(70, 6, 9);
  Model model({10, 4, 4});
  Rng rng(10);
  model.initialize(rng);
  ThreadPool pool(2);
  const std::vector<float> p = predict(model, data, 0, data.n, 16, pool);
  ASSERT_EQ(p.size(), data.n);
  size_t correct = 0;
  for (size_t k = 0; k < p.size(); ++k) correct += (p[k] > 0.5f) == (data.labels[k] > 0.5f);
  const Metrics m = evaluate(model, data, 0, data.n, 256, pool);
  EXPECT_DOUBLE_EQ(m.accuracy, static_cast<double>(correct) / static_cast<double>(data.n));
  // Batch size must not change the numbers (shards are independent).
  EXPECT_EQ(predict(model, data, 0, data.n, 256, pool), p);
}

}  // namespace
}  // namespace sentiment
