// The training loop: it learns tasks that need memory across time steps (binary and
// multi-class, padded and masked), its results do not depend on the thread count, a run
// interrupted mid-epoch and resumed ends exactly as an uninterrupted one, early stopping,
// class weights and clipping act, and it rejects bad configurations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "train/trainer.h"

namespace sentiment {
namespace {

// Every sequence holds marker A = 3 and marker B = 4 once each at random positions among
// noise tokens 5..9; the label says whether A comes before B. Both markers occur in every
// sequence, so counting tokens gives chance accuracy: only a model that carries state
// across steps can solve it. ragged: rows of 3..T tokens, post-padded with 0; with mask_zero the
// padding is invisible, so the task stays solvable by the last state.
data::EncodedSplit order_task(size_t n, size_t T, uint64_t seed, bool ragged = false) {
  Rng rng(seed);
  data::EncodedSplit s;
  s.n = n;
  s.maxlen = T;
  s.tokens.assign(n * T, 0);
  s.labels.resize(n);
  for (size_t r = 0; r < n; ++r) {
    int32_t* row = s.tokens.data() + r * T;
    const size_t len = ragged ? 3 + rng.below(T - 2) : T;
    for (size_t t = 0; t < len; ++t) row[t] = static_cast<int32_t>(5 + rng.below(5));
    const size_t a = rng.below(len);
    size_t b = rng.below(len - 1);
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
  Model model(lstm_config(10, 8, 16));
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
    Model model(lstm_config(10, 8, 8));
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
    Model model(lstm_config(10, 4, 4));
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
  Model model(lstm_config(10, 4, 4));
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
  Model model(lstm_config(10, 4, 4));
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

// Three classes: which third of the row holds marker 3 (the only marker).
data::EncodedSplit position_task(size_t n, size_t T, uint64_t seed) {
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
    row[a] = 3;
    s.labels[r] = static_cast<float>(a * 3 / T);
  }
  return s;
}

TEST(Trainer, MaskedBidirectionalModelLearnsRaggedRows) {
  const data::EncodedSplit train = order_task(3000, 12, 11, true);
  const data::EncodedSplit test = order_task(800, 12, 12, true);
  ModelConfig mc = lstm_config(10, 8, 16);
  mc.mask_zero = true;
  mc.layers[0].bidirectional = true;
  mc.pooling = Pooling::kMaxMean;
  Model model(mc);
  Rng rng(13);
  model.initialize(rng);
  TrainConfig cfg;
  cfg.epochs = 10;
  cfg.batch_size = 32;
  cfg.validation_split = 0.0;
  cfg.adam.learning_rate = 1e-2;
  cfg.bucket_by_length = true;
  ThreadPool pool(2);
  fit(model, train, cfg, pool);
  EXPECT_GT(evaluate(model, test, 0, test.n, 256, pool).accuracy, 0.9);
}

TEST(Trainer, SoftmaxModelLearnsThreeClasses) {
  const data::EncodedSplit train = position_task(3000, 9, 21);
  const data::EncodedSplit test = position_task(600, 9, 22);
  for (CellType cell : {CellType::kGru, CellType::kLstm}) {
    ModelConfig mc = lstm_config(10, 8, 16);
    mc.num_classes = 3;
    mc.layers[0].cell = cell;
    Model model(mc);
    Rng rng(23);
    model.initialize(rng);
    TrainConfig cfg;
    cfg.epochs = 10;
    cfg.batch_size = 32;
    cfg.validation_split = 0.1;
    cfg.split_mode = SplitMode::kStratified;
    cfg.adam.learning_rate = 1e-2;
    ThreadPool pool(2);
    const Metrics before = evaluate(model, test, 0, test.n, 256, pool);
    fit(model, train, cfg, pool);
    const Metrics after = evaluate(model, test, 0, test.n, 256, pool);
    EXPECT_LT(before.accuracy, 0.5) << to_string(cell);
    EXPECT_GT(after.accuracy, 0.9) << to_string(cell);
  }
}

TrainConfig rich_config() {
  TrainConfig cfg;
  cfg.epochs = 4;
  cfg.batch_size = 40;
  cfg.validation_split = 0.25;
  cfg.split_mode = SplitMode::kShuffle;
  cfg.schedule.kind = LrSchedule::Kind::kPlateau;
  cfg.schedule.patience = 0;
  cfg.schedule.gamma = 0.5;
  cfg.schedule.min_delta = 10.0;  // never an improvement: the rate halves every epoch
  cfg.early_stopping = EarlyStoppingConfig{};
  cfg.early_stopping->monitor = "val_accuracy";
  cfg.early_stopping->patience = 10;
  cfg.early_stopping->restore_best_weights = true;
  cfg.clip_norm = 1.0;
  cfg.bucket_by_length = true;
  return cfg;
}

ModelConfig rich_model(bool ngrams = false) {
  ModelConfig mc = lstm_config(10, 6, 8);
  if (ngrams) mc.ngrams = {2, 64, 4, true};
  mc.mask_zero = true;
  mc.layers[0].bidirectional = true;
  mc.layers[0].dropout = 0.2f;
  mc.layers[0].recurrent_dropout = 0.2f;
  mc.layers.push_back({CellType::kGru, 8, false, 0.1f, 0.1f});
  mc.pooling = Pooling::kMean;
  mc.dropout = 0.3f;
  return mc;
}

// Thread counts do not change results, with every kind of randomness in play, and with the
// n-gram head's lazy table updates.
TEST(Trainer, DropoutAndMaskingStayDeterministicAcrossThreads) {
  for (bool ngrams : {false, true}) {
    const data::EncodedSplit train = order_task(400, 10, 31, true);
    std::vector<std::vector<float>> weights;
    for (size_t threads : {1u, 2u}) {
      Model model(rich_model(ngrams));
      Rng rng(5);
      model.initialize(rng);
      TrainConfig cfg = rich_config();
      cfg.epochs = 2;
      ThreadPool pool(threads);
      fit(model, train, cfg, pool);
      weights.emplace_back(model.params().begin(), model.params().end());
    }
    EXPECT_TRUE(weights[0] == weights[1]) << "ngrams " << ngrams;
  }
}

// Rows of 2..T tokens drawn from [3, V), pre-padded with 0 as pad_sequences does, random
// labels: with V well above a batch's token count, each batch reads only some embedding rows.
data::EncodedSplit sparse_rows(size_t n, size_t T, size_t V, uint64_t seed) {
  Rng rng(seed);
  data::EncodedSplit s;
  s.n = n;
  s.maxlen = T;
  s.tokens.assign(n * T, 0);
  for (size_t r = 0; r < n; ++r) {
    const size_t len = 2 + rng.below(T - 1);
    for (size_t t = T - len; t < T; ++t)
      s.tokens[r * T + t] = static_cast<int32_t>(3 + rng.below(V - 3));
    s.labels.push_back(static_cast<float>(rng.below(2)));
  }
  return s;
}

// Deferring the update of the embedding rows the next batch does not read changes when they
// are updated, never what: the same weights and losses as updating every row before the next
// batch, for the recipe's shape (pre-padded rows, the shared padding run, the projection per
// distinct token) and for a rich model (masking, dropout on the embedding, clipping, a
// schedule), with 1 and 2 threads.
TEST(Trainer, DeferredEmbeddingUpdatesGiveIdenticalWeights) {
  const size_t V = 300;
  const data::EncodedSplit train = sparse_rows(240, 12, V, 51);
  for (bool rich : {false, true}) {
    std::vector<std::vector<float>> weights;
    std::vector<History> histories;
    for (size_t threads : {1u, 2u})
      for (bool defer : {false, true}) {
        ModelConfig mc = rich ? rich_model() : lstm_config(V, 8, 8);
        mc.vocab_size = V;
        Model model(mc);
        Rng rng(13);
        model.initialize(rng);
        TrainConfig cfg = rich ? rich_config() : TrainConfig{};
        cfg.epochs = 2;
        cfg.batch_size = 40;  // 5 or 6 steps an epoch, each reading under half the rows
        cfg.defer_embedding_updates = defer;
        ThreadPool pool(threads);
        histories.push_back(fit(model, train, cfg, pool));
        weights.emplace_back(model.params().begin(), model.params().end());
      }
    for (size_t k = 1; k < weights.size(); ++k) {
      EXPECT_TRUE(weights[k] == weights[0]) << "rich " << rich << ", run " << k;
      EXPECT_EQ(histories[k].loss, histories[0].loss) << "rich " << rich << ", run " << k;
    }
    // Training moved the embedding rows, so the comparison covers the deferred updates.
    ModelConfig mc = rich ? rich_model() : lstm_config(V, 8, 8);
    mc.vocab_size = V;
    Model init(mc);
    Rng rng(13);
    init.initialize(rng);
    size_t moved = 0;
    for (size_t k = 0; k < init.embedding_size(); ++k) moved += weights[0][k] != init.params()[k];
    EXPECT_GT(moved, init.embedding_size() * 9 / 10) << "rich " << rich;
  }
}

// The n-gram head's table rows are stepped exactly when a batch uses them: rows no training
// text uses keep their initial values, every row it uses moves, and the model learns the task
// (whose label here is whether the bigram 3 4 occurs, which the bag sees directly). The
// second half checks the row bookkeeping against dense updates where the two must agree.
TEST(Trainer, NgramHeadLearnsAndLeavesUnusedRowsAlone) {
  Rng data_rng(8);
  data::EncodedSplit train;
  train.n = 600;
  train.maxlen = 8;
  train.tokens.assign(train.n * train.maxlen, 0);
  train.labels.resize(train.n);
  for (size_t r = 0; r < train.n; ++r) {
    int32_t* row = train.tokens.data() + r * train.maxlen;
    for (size_t t = 2; t < 8; ++t) row[t] = static_cast<int32_t>(3 + data_rng.below(4));
    const bool yes = data_rng.below(2) == 1;
    const size_t at = 2 + data_rng.below(5);
    for (size_t t = 3; t < 8; ++t)  // remove every accidental 3 4
      if (row[t - 1] == 3 && row[t] == 4) row[t] = 5;
    if (yes) row[at] = 3, row[at + 1] = 4;
    for (size_t t = 3; t < 8; ++t)
      if (!yes && row[t - 1] == 3 && row[t] == 4) row[t] = 6;
    train.labels[r] = yes ? 1.0f : 0.0f;
  }
  ModelConfig mc = lstm_config(10, 4, 4);
  mc.mask_zero = true;
  mc.ngrams = {2, 1000, 4, true};
  Model model(mc);
  Rng rng(6);
  model.initialize(rng);
  const std::vector<float> initial(model.params().begin(), model.params().end());
  TrainConfig cfg;
  cfg.epochs = 8;
  cfg.batch_size = 32;
  cfg.validation_split = 0.0;
  cfg.adam.learning_rate = 2e-2;
  ThreadPool pool(2);
  fit(model, train, cfg, pool);
  EXPECT_GT(evaluate(model, train, 0, train.n, 256, pool).accuracy, 0.95);
  // Rows any text uses: its words (3..6) and their bigrams.
  std::vector<bool> used(10 + 1000, false);
  for (int32_t a = 3; a <= 6; ++a) {
    used[static_cast<size_t>(a)] = true;
    for (int32_t b = 3; b <= 6; ++b) {
      const int32_t ids[] = {a, b};
      used[ngram_bucket(ids, 2, 10, 1000)] = true;
    }
  }
  const size_t base = model.ngram_table_offset(), D = 4;
  size_t unused_rows = 0;
  for (size_t row = 0; row < used.size(); ++row) {
    const bool same = std::equal(initial.begin() + static_cast<ptrdiff_t>(base + row * D),
                                 initial.begin() + static_cast<ptrdiff_t>(base + row * D + D),
                                 model.params().begin() + static_cast<ptrdiff_t>(base + row * D));
    EXPECT_EQ(same, !used[row]) << "row " << row;
    unused_rows += used[row] ? 0 : 1;
  }
  EXPECT_GT(unused_rows, 980u);

  // When every step uses every row the batch needs (one batch per epoch), the lazy update is
  // the dense one exactly: the row bookkeeping (clearing, applying) loses nothing.
  std::vector<std::vector<float>> weights;
  for (bool lazy : {true, false}) {
    Model m(mc);
    Rng r(6);
    m.initialize(r);
    TrainConfig full = cfg;
    full.epochs = 3;
    full.batch_size = train.n;
    full.lazy_ngram_updates = lazy;
    fit(m, train, full, pool);
    weights.emplace_back(m.params().begin(), m.params().end());
  }
  EXPECT_TRUE(weights[0] == weights[1]);
  EXPECT_FALSE(std::equal(weights[0].begin(), weights[0].end(), initial.begin()));
}

struct Interrupted {};

// A run killed in the middle of epoch 3 and resumed from the checkpoint of epoch 2 ends with
// exactly the weights and history of a run that was never interrupted.
TEST(Trainer, ResumedRunEndsWithTheSameWeights) {
  const data::EncodedSplit train = order_task(400, 10, 41, true);
  ThreadPool pool(2);
  auto fresh = [] {
    Model m(rich_model());
    Rng rng(9);
    m.initialize(rng);
    return m;
  };
  Model full = fresh();
  const History h_full = fit(full, train, rich_config(), pool);

  Model killed = fresh();
  TrainState last;
  TrainCallbacks cb;
  int epoch_now = 0;
  cb.epoch_begin = [&](int epoch, int, size_t) { epoch_now = epoch; };
  cb.batch_end = [&](size_t step, size_t, double, double) {
    if (epoch_now == 3 && step == 4) throw Interrupted{};
  };
  cb.checkpoint = [&](const TrainStateView& s) { last = copy_of(s); };
  EXPECT_THROW(fit(killed, train, rich_config(), pool, cb), Interrupted);
  ASSERT_EQ(last.epoch, 2);

  Model resumed = fresh();
  std::fill(resumed.params().begin(), resumed.params().end(), 0.0f);  // the state has them
  const History h_resumed = fit(resumed, train, rich_config(), pool, {}, &last);
  EXPECT_TRUE(std::equal(full.params().begin(), full.params().end(), resumed.params().begin()));
  EXPECT_EQ(h_full.loss, h_resumed.loss);
  EXPECT_EQ(h_full.val_accuracy, h_resumed.val_accuracy);
  EXPECT_EQ(h_full.learning_rate, h_resumed.learning_rate);
  // The plateau schedule halved the rate after epochs 2 and 3 (epoch 1 is always an
  // improvement on the initial +inf, as in Keras).
  ASSERT_EQ(h_full.learning_rate.size(), 4u);
  EXPECT_DOUBLE_EQ(h_full.learning_rate[3], 1e-3 / 4);
}

TEST(Trainer, EarlyStoppingStopsAndRestoresTheBestWeights) {
  const data::EncodedSplit train = order_task(300, 8, 51);
  Model model(lstm_config(10, 4, 4));
  Rng rng(2);
  model.initialize(rng);
  TrainConfig cfg;
  cfg.epochs = 10;
  cfg.early_stopping = EarlyStoppingConfig{};
  cfg.early_stopping->monitor = "loss";
  cfg.early_stopping->min_delta = 1e9;  // nothing after epoch 1 counts as an improvement
  cfg.early_stopping->patience = 2;
  cfg.early_stopping->restore_best_weights = true;
  std::vector<std::vector<float>> after_epoch;
  TrainCallbacks cb;
  cb.checkpoint = [&](const TrainStateView& s) {
    after_epoch.emplace_back(s.params.begin(), s.params.end());
  };
  ThreadPool pool(1);
  const History h = fit(model, train, cfg, pool, cb);
  EXPECT_EQ(h.loss.size(), 3u);  // epoch 1 is best, then 2 epochs of patience
  ASSERT_EQ(after_epoch.size(), 3u);
  EXPECT_TRUE(std::equal(model.params().begin(), model.params().end(), after_epoch[0].begin()));
  EXPECT_NE(after_epoch[2], after_epoch[0]);
}

TEST(Trainer, ClassWeightsScaleEachRowsLoss) {
  const std::vector<float> logits = {0.3f, -1.2f, 2.0f};
  const std::vector<float> labels = {1.0f, 0.0f, 1.0f};
  std::vector<float> d_plain(3), d_weighted(3);
  const double plain =
      loss_and_gradient(d_plain.data(), logits.data(), labels.data(), 3, 2, 1.0f, {});
  const double weighted =
      loss_and_gradient(d_weighted.data(), logits.data(), labels.data(), 3, 2, 1.0f, {0.5, 2.0});
  double expected = 0.0;
  for (size_t k = 0; k < 3; ++k) {
    const double w = labels[k] > 0.5f ? 2.0 : 0.5;
    const double l =
        loss_and_gradient(nullptr, logits.data() + k, labels.data() + k, 1, 2, 1.0f, {});
    expected += w * l;
    EXPECT_NEAR(d_weighted[k], w * d_plain[k], 1e-6);
  }
  EXPECT_NEAR(weighted, expected, 1e-9);
  EXPECT_NE(weighted, plain);
  // Softmax: a zero weight removes a row entirely.
  const std::vector<float> z3 = {0.1f, 0.2f, 0.3f, 1.0f, -1.0f, 0.0f};
  const std::vector<float> y3 = {0.0f, 2.0f};
  std::vector<float> d3(6);
  const double l3 = loss_and_gradient(d3.data(), z3.data(), y3.data(), 2, 3, 1.0f, {0.0, 1.0, 1.0});
  EXPECT_EQ(d3[0], 0.0f);
  EXPECT_EQ(d3[1], 0.0f);
  const double p = std::exp(0.0) / (std::exp(1.0) + std::exp(-1.0) + std::exp(0.0));
  EXPECT_NEAR(l3, -std::log(p), 1e-6);
}

TEST(Trainer, ZeroWeightedClassIsNeverLearned) {
  const data::EncodedSplit train = order_task(600, 8, 61);
  Model model(lstm_config(10, 4, 8));
  Rng rng(3);
  model.initialize(rng);
  TrainConfig cfg;
  cfg.epochs = 3;
  cfg.validation_split = 0.0;
  cfg.adam.learning_rate = 1e-2;
  cfg.class_weights = {0.0, 1.0};
  ThreadPool pool(2);
  fit(model, train, cfg, pool);
  const std::vector<float> p = predict(model, train, 0, train.n, 256, pool);
  const auto ones = std::count_if(p.begin(), p.end(), [](float v) { return v > 0.5f; });
  EXPECT_GT(static_cast<double>(ones) / static_cast<double>(p.size()), 0.95);
}

}  // namespace
}  // namespace sentiment
