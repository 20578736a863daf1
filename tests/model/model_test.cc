// The assembled model: Keras initialisers, the parameter layout, masking (pre- and
// post-padding agree, padded steps change nothing), dropout, the inference projection
// tables, and the end-to-end gradient of every layer combination (embedding -> stacked,
// bidirectional LSTM/GRU/SimpleRNN -> pooling -> dense -> loss) against finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/dense.h"
#include "model/inference.h"
#include "model/model.h"
#include "model/model_json.h"

namespace sentiment {
namespace {

ModelConfig stack(CellType cell, bool bi, Pooling pooling, size_t layers, bool mask,
                  size_t classes = 2) {
  ModelConfig cfg;
  cfg.vocab_size = 12;
  cfg.embedding_dim = 3;
  cfg.mask_zero = mask;
  cfg.pooling = pooling;
  cfg.num_classes = classes;
  cfg.layers.assign(layers, RecurrentLayerConfig{cell, 4, bi, 0.0f, 0.0f});
  return cfg;
}

TEST(ModelInit, KerasInitialisers) {
  Model model(lstm_config(100, 8, 16));
  Rng rng(3);
  model.initialize(rng);
  const auto& v = model.views();
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[1].name, "lstm.kernel");
  EXPECT_EQ(v[4].name, "dense.kernel");
  EXPECT_EQ(model.params().size(), 100u * 8 + 8 * 64 + 16 * 64 + 64 + 16 + 1);
  auto params = model.params();
  for (size_t k = 0; k < v[0].size(); ++k) EXPECT_LE(std::abs(params[k]), 0.05f);
  const double glorot = std::sqrt(6.0 / (8 + 64));
  for (size_t k = 0; k < v[1].size(); ++k) EXPECT_LE(std::abs(params[v[1].offset + k]), glorot);
  // Recurrent kernel (16, 64): orthonormal rows.
  const float* U = model.weights().recurrent[0][0].recurrent_kernel;
  for (size_t a = 0; a < 16; ++a)
    for (size_t b = 0; b < 16; ++b) {
      double dot = 0;
      for (size_t j = 0; j < 64; ++j) dot += double(U[a * 64 + j]) * U[b * 64 + j];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
    }
  const float* bias = model.weights().recurrent[0][0].bias;
  for (size_t j = 0; j < 64; ++j) EXPECT_EQ(bias[j], (j >= 16 && j < 32) ? 1.0f : 0.0f);
  EXPECT_EQ(model.weights().dense.bias[0], 0.0f);
}

TEST(ModelInit, SameSeedSameWeights) {
  Model a(lstm_config(50, 4, 4)), b(lstm_config(50, 4, 4));
  Rng r1(9), r2(9);
  a.initialize(r1);
  b.initialize(r2);
  EXPECT_TRUE(std::equal(a.params().begin(), a.params().end(), b.params().begin()));
}

TEST(Model, RejectsDegenerateConfig) {
  EXPECT_ANY_THROW(Model(lstm_config(3, 4, 4)));
  EXPECT_ANY_THROW(Model(lstm_config(10, 0, 4)));
  ModelConfig cfg = lstm_config(10, 4, 4);
  cfg.layers.clear();
  EXPECT_ANY_THROW(Model{cfg});
  cfg = lstm_config(10, 4, 4);
  cfg.layers[0].dropout = 1.0f;
  EXPECT_ANY_THROW(Model{cfg});
  cfg = lstm_config(10, 4, 4);
  cfg.num_classes = 1;
  EXPECT_ANY_THROW(Model{cfg});
}

TEST(Model, LayoutOfStackedBidirectionalLayers) {
  ModelConfig cfg = stack(CellType::kGru, true, Pooling::kMaxMean, 2, true, 5);
  cfg.layers.push_back({CellType::kLstm, 6, false, 0.0f, 0.0f});
  Model model(cfg);
  std::vector<std::string> names;
  for (const auto& v : model.views()) names.push_back(v.name);
  const std::vector<std::string> expected = {
      "embedding",           "gru.forward.kernel",    "gru.forward.recurrent_kernel",
      "gru.forward.bias",    "gru.backward.kernel",   "gru.backward.recurrent_kernel",
      "gru.backward.bias",   "gru_1.forward.kernel",  "gru_1.forward.recurrent_kernel",
      "gru_1.forward.bias",  "gru_1.backward.kernel", "gru_1.backward.recurrent_kernel",
      "gru_1.backward.bias", "lstm.kernel",           "lstm.recurrent_kernel",
      "lstm.bias",           "dense.kernel",          "dense.bias"};
  EXPECT_EQ(names, expected);
  // Layer 2's input is layer 1's concatenated 2H; the dense layer sees max and mean (2 * 6).
  EXPECT_EQ(model.views()[7].shape, (std::vector<size_t>{8, 12}));
  EXPECT_EQ(model.views()[3].shape, (std::vector<size_t>{2, 12}));
  EXPECT_EQ(model.views()[16].shape, (std::vector<size_t>{12, 5}));
}

TEST(ModelJson, RoundTripAndStrictKeys) {
  ModelConfig cfg = stack(CellType::kSimpleRnn, true, Pooling::kMean, 3, true, 4);
  cfg.layers[1].dropout = 0.25f;
  cfg.dropout = 0.5f;
  ModelConfig back;
  model_config_from_json(nlohmann::json::parse(model_config_to_json(cfg).dump()), back);
  EXPECT_EQ(model_config_to_json(back), model_config_to_json(cfg));
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"unit", 3}}, back), Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"pooling", "median"}}, back), Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"layers", {{{"cell", "tree"}}}}}, back),
               Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"embedding_dim", "big"}}, back), Error);
}

TEST(ModelJson, NgramBagRoundTripAndChecks) {
  ModelConfig cfg = stack(CellType::kGru, true, Pooling::kMaxMean, 1, true);
  EXPECT_FALSE(model_config_to_json(cfg).contains("ngrams"));
  cfg.ngrams = {2, 1000, 8};
  const auto j = model_config_to_json(cfg);
  ASSERT_TRUE(j.contains("ngrams"));
  ModelConfig back;
  model_config_from_json(nlohmann::json::parse(j.dump()), back);
  EXPECT_EQ(back.ngrams.order, 2u);
  EXPECT_EQ(back.ngrams.buckets, 1000u);
  EXPECT_EQ(back.ngrams.dim, 8u);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"ngrams", {{"size", 3}}}}, back), Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"ngrams", {{"order", 6}}}}, back), Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"ngrams", {{"order", 2}, {"dim", 0}}}}, back),
               Error);
  EXPECT_THROW(
      model_config_from_json(nlohmann::json{{"ngrams", {{"order", 2}, {"buckets", 0}}}}, back),
      Error);
  // Single words need no buckets.
  ModelConfig words;
  model_config_from_json(nlohmann::json{{"ngrams", {{"order", 1}, {"buckets", 0}}}}, words);
  EXPECT_EQ(Model(words).views()[1].shape, (std::vector<size_t>{words.vocab_size, 16}));
}

// The table and its dense layer sit right after the embedding.
TEST(Model, NgramHeadLayout) {
  ModelConfig cfg = stack(CellType::kLstm, false, Pooling::kMaxMean, 1, true, 3);
  cfg.ngrams = {3, 50, 5};
  const Model model(cfg);
  const auto& v = model.views();
  EXPECT_EQ(v[1].name, "ngrams");
  EXPECT_EQ(v[1].shape, (std::vector<size_t>{12 + 50, 5}));
  EXPECT_EQ(v[1].offset, model.embedding_size());
  EXPECT_EQ(model.sparse_size(), 12 * 3 + 62 * 5u);
  EXPECT_EQ(v[2].name, "ngrams.kernel");
  EXPECT_EQ(v[2].shape, (std::vector<size_t>{5, 3}));
  EXPECT_EQ(v[2].offset, model.sparse_size());
  EXPECT_EQ(v[3].shape, (std::vector<size_t>{3}));
  EXPECT_EQ(v[4].offset, model.sparse_size() + 5 * 3 + 3);
  EXPECT_EQ(v[v.size() - 2].shape, (std::vector<size_t>{8, 3}));
  // Initialisation draws the head last: the other weights are those of the model without it.
  Model with(cfg), without(stack(CellType::kLstm, false, Pooling::kMaxMean, 1, true, 3));
  Rng a(3), b(3);
  with.initialize(a);
  without.initialize(b);
  EXPECT_TRUE(
      std::equal(without.params().begin(), without.params().begin() + 36, with.params().begin()));
  EXPECT_TRUE(std::equal(without.params().begin() + 36, without.params().end(),
                         with.params().begin() + static_cast<ptrdiff_t>(v[4].offset)));
  const float* table = with.weights().ngram.table;
  EXPECT_TRUE(std::all_of(table, table + 62 * 5, [](float x) { return std::abs(x) <= 0.05f; }));
  EXPECT_NE(table[0], table[1]);
}

// Fills every parameter with larger values than the initialisers give, so every gate and
// path is exercised.
Model random_model(const ModelConfig& cfg, uint64_t seed, double scale = 0.6) {
  Model model(cfg);
  Rng rng(seed);
  for (auto& p : model.params()) p = static_cast<float>(rng.uniform(-scale, scale));
  return model;
}

std::vector<float> forward_logits(const Model& model, const std::vector<int32_t>& tokens, size_t B,
                                  size_t T, const ProjectionTables* tables = nullptr) {
  ShardCache cache;
  model_forward(model, cache, tokens.data(), B, T, T, tables);
  return cache.logits;
}

// Rows of different lengths, pre-padded with 0 to T, and the same rows post-padded.
struct PaddedRows {
  std::vector<int32_t> pre, post;
  size_t B, T;
};

PaddedRows padded_rows(const std::vector<std::vector<int32_t>>& rows, size_t T) {
  PaddedRows p{std::vector<int32_t>(rows.size() * T, 0), std::vector<int32_t>(rows.size() * T, 0),
               rows.size(), T};
  for (size_t n = 0; n < rows.size(); ++n) {
    std::copy(rows[n].begin(), rows[n].end(),
              p.pre.begin() + static_cast<ptrdiff_t>(n * T + T - rows[n].size()));
    std::copy(rows[n].begin(), rows[n].end(), p.post.begin() + static_cast<ptrdiff_t>(n * T));
  }
  return p;
}

const std::vector<std::vector<int32_t>> kRows = {{1, 4, 5, 11}, {3}, {1, 7, 7, 9, 2, 8},
                                                 {6, 6},        {},  {1, 2, 3, 4, 5, 6}};

struct Variant {
  CellType cell;
  bool bi;
  Pooling pooling;
  size_t layers;
  size_t classes;
};

const Variant kVariants[] = {
    {CellType::kLstm, false, Pooling::kLast, 1, 2},
    {CellType::kGru, false, Pooling::kMean, 1, 2},
    {CellType::kSimpleRnn, false, Pooling::kMax, 1, 3},
    {CellType::kLstm, true, Pooling::kLast, 2, 2},
    {CellType::kGru, true, Pooling::kMaxMean, 2, 4},
    {CellType::kSimpleRnn, true, Pooling::kMean, 1, 2},
};

std::string variant_name(const Variant& v) {
  return std::string(to_string(v.cell)) + (v.bi ? " bidirectional " : " ") + to_string(v.pooling) +
         " x" + std::to_string(v.layers) + " K=" + std::to_string(v.classes);
}

// With mask_zero, where the padding goes cannot matter: the packed rows are the same.
TEST(ModelMasking, PreAndPostPaddingGiveTheSamePrediction) {
  const PaddedRows rows = padded_rows(kRows, 8);
  for (const Variant& v : kVariants) {
    const Model model = random_model(stack(v.cell, v.bi, v.pooling, v.layers, true, v.classes), 7);
    const auto pre = forward_logits(model, rows.pre, rows.B, rows.T);
    const auto post = forward_logits(model, rows.post, rows.B, rows.T);
    EXPECT_EQ(pre, post) << variant_name(v);
    // Without masking the padding is read as a word and the two differ.
    const Model unmasked =
        random_model(stack(v.cell, v.bi, v.pooling, v.layers, false, v.classes), 7);
    EXPECT_NE(forward_logits(unmasked, rows.pre, rows.B, rows.T),
              forward_logits(unmasked, rows.post, rows.B, rows.T))
        << variant_name(v);
  }
}

// A masked row predicts what the same row alone, unpadded, predicts (float rounding aside:
// the shard's other rows change the GEMM shapes, not the arithmetic per row).
TEST(ModelMasking, PaddedRowEqualsTheRowAlone) {
  const PaddedRows rows = padded_rows(kRows, 9);
  for (const Variant& v : kVariants) {
    const Model model = random_model(stack(v.cell, v.bi, v.pooling, v.layers, true, v.classes), 3);
    const size_t O = model.config().outputs();
    const auto all = forward_logits(model, rows.pre, rows.B, rows.T);
    for (size_t n = 0; n < kRows.size(); ++n) {
      if (kRows[n].empty()) continue;
      const auto alone = forward_logits(model, kRows[n], 1, kRows[n].size());
      for (size_t k = 0; k < O; ++k)
        EXPECT_NEAR(all[n * O + k], alone[k], 1e-5) << variant_name(v) << " row " << n;
    }
  }
}

// The n-gram head ignores padding, so pre- and post-padding agree; its logits are its dense
// layer over the mean of the row's n-gram rows; the model's logits are the heads' mean.
TEST(ModelNgrams, HeadIsDenseOverTheMeanOfTheRowsNgrams) {
  for (bool binary : {false, true}) {
    ModelConfig cfg = stack(CellType::kGru, true, Pooling::kMax, 1, true, 3);
    cfg.ngrams = {3, 5, 2, binary};
    const PaddedRows rows = padded_rows(kRows, 8);
    const Model model = random_model(cfg, 9);
    EXPECT_EQ(forward_logits(model, rows.pre, rows.B, rows.T),
              forward_logits(model, rows.post, rows.B, rows.T));
    ShardCache cache;
    model_forward(model, cache, rows.pre.data(), rows.B, rows.T, rows.T);
    const size_t O = cfg.outputs(), B = rows.B;
    ASSERT_EQ(cache.head_logits.size(), 2 * B * O);
    const float* kernel = model.weights().ngram.output.kernel;
    const float* bias = model.weights().ngram.output.bias;
    const float* table = model.weights().ngram.table;
    const float* head = cache.head_logits.data() + B * O;
    for (size_t k = 0; k < B * O; ++k)
      EXPECT_FLOAT_EQ(cache.logits[k], 0.5f * (cache.head_logits[k] + head[k]));
    EXPECT_NE(cache.head_logits[0], head[0]);
    for (size_t n = 0; n < kRows.size(); ++n) {
      const auto& r = kRows[n];
      std::vector<size_t> ids;  // every occurrence, or (binary) each distinct row once
      for (size_t k = 0; k < r.size(); ++k)
        for (size_t len = 1; len <= std::min<size_t>(3, k + 1); ++len) {
          const size_t row = ngram_bucket(r.data() + k + 1 - len, len, 12, 5);
          if (!binary || std::find(ids.begin(), ids.end(), row) == ids.end()) ids.push_back(row);
        }
      std::vector<double> bag(2, 0.0);
      for (size_t row : ids)
        for (size_t d = 0; d < 2; ++d) bag[d] += table[row * 2 + d];
      const size_t count = ids.size();
      size_t expected = 0;  // L words, L - 1 bigrams, L - 2 trigrams
      for (size_t len = 1; len <= 3; ++len) expected += r.size() >= len ? r.size() - len + 1 : 0;
      const bool repeats = std::set<int32_t>(r.begin(), r.end()).size() < r.size();
      if (!binary)
        EXPECT_EQ(count, expected);
      else if (repeats)
        EXPECT_LT(count, expected) << "row " << n;
      else
        EXPECT_LE(count, expected) << "row " << n;
      for (size_t o = 0; o < O; ++o) {
        double z = bias[o];
        for (size_t d = 0; d < 2 && count > 0; ++d) z += bag[d] / double(count) * kernel[d * O + o];
        EXPECT_NEAR(head[n * O + o], z, 1e-5) << "row " << n;
      }
    }
  }
}

// An all-padding row has no steps: its features are zero, so its logits are the bias.
TEST(ModelMasking, EmptyRowGivesTheBias) {
  const Model model = random_model(stack(CellType::kLstm, true, Pooling::kMean, 1, true), 4);
  const std::vector<int32_t> tokens(5, 0);
  const auto logits = forward_logits(model, tokens, 1, 5);
  EXPECT_EQ(logits[0], model.weights().dense.bias[0]);
}

// Inference with the per-word projection tables computes the same logits as the training
// forward (embedding, then the input GEMM), up to float rounding in the order of the sums.
TEST(ModelInference, ProjectionTablesMatchFullForward) {
  const PaddedRows rows = padded_rows(kRows, 8);
  for (const Variant& v : kVariants) {
    for (bool mask : {false, true}) {
      const Model model =
          random_model(stack(v.cell, v.bi, v.pooling, v.layers, mask, v.classes), 11, 0.3);
      const ProjectionTables tables = input_projection_tables(model);
      ASSERT_EQ(tables.size(), v.bi ? 2u : 1u);
      const auto full = forward_logits(model, rows.pre, rows.B, rows.T);
      const auto fast = forward_logits(model, rows.pre, rows.B, rows.T, &tables);
      ASSERT_EQ(full.size(), fast.size());
      for (size_t k = 0; k < full.size(); ++k)
        EXPECT_NEAR(full[k], fast[k], 1e-5) << variant_name(v) << " mask " << mask;
      EXPECT_NE(full[0], full[full.size() - 1]) << variant_name(v);
    }
  }
}

// Summed loss over the shard: BCE for one output, softmax cross-entropy for more.
double logits_loss(const float* logits, const std::vector<float>& y, size_t O, float* dlogits) {
  const size_t B = y.size();
  if (O == 1) return bce_with_logits<float>(dlogits, logits, y.data(), B, 1.0f);
  double total = 0.0;
  for (size_t n = 0; n < B; ++n) {
    const float* z = logits + n * O;
    double s = 0.0;
    for (size_t k = 0; k < O; ++k) s += std::exp(double(z[k]));
    const auto yk = static_cast<size_t>(y[n]);
    total += std::log(s) - z[yk];
    if (dlogits)
      for (size_t k = 0; k < O; ++k)
        dlogits[n * O + k] = static_cast<float>(std::exp(double(z[k])) / s - (k == yk ? 1.0 : 0.0));
  }
  return total;
}

// The loss of the model's logits or, with heads, the sum of each head's loss (as training
// has it); the gradient goes to dlogits or dhead_logits.
double shard_loss(ShardCache& c, const std::vector<float>& y, size_t O, bool heads, bool grad) {
  if (!heads) {
    c.dlogits.resize(c.logits.size());
    return logits_loss(c.logits.data(), y, O, grad ? c.dlogits.data() : nullptr);
  }
  const size_t n = y.size() * O;
  c.dhead_logits.resize(2 * n);
  return logits_loss(c.head_logits.data(), y, O, grad ? c.dhead_logits.data() : nullptr) +
         logits_loss(c.head_logits.data() + n, y, O, grad ? c.dhead_logits.data() + n : nullptr);
}

// Float model, so the central difference uses a larger step (3e-3: small enough that max
// pooling's arg max rarely switches inside it, large enough for float rounding). Correct
// gradients measure 2e-5 to 3e-4 relative error here, any wrong term order 1, so 2e-3
// separates them. Covers the embedding, every recurrent layer and direction, pooling,
// masking, dropout and the dense layer.
void check_gradient(const ModelConfig& cfg, const std::vector<int32_t>& tokens, size_t B, size_t T,
                    const std::string& what, bool heads = false) {
  Model model = random_model(cfg, 5, 0.8);
  const size_t O = cfg.outputs();
  std::vector<float> y(B);
  for (size_t n = 0; n < B; ++n) y[n] = static_cast<float>(n % cfg.num_classes);
  ShardCache cache;
  cache.training = true;
  cache.dropout_seed = 77;  // the same masks at every evaluation
  auto loss = [&] {
    model_forward(model, cache, tokens.data(), B, T, T);
    return shard_loss(cache, y, O, heads, false);
  };
  loss();
  shard_loss(cache, y, O, heads, true);
  std::vector<float> grad(model.params().size(), 0.0f);
  model_backward(model, cache, grad.data() + model.sparse_size());
  model_embedding_backward(model, cache, grad.data());
  double diff = 0, sum = 0;
  auto params = model.params();
  for (size_t k = 0; k < params.size(); ++k) {
    const float saved = params[k];
    const float h = 3e-3f;
    params[k] = saved + h;
    const double plus = loss();
    params[k] = saved - h;
    const double minus = loss();
    params[k] = saved;
    const double numeric = (plus - minus) / (2.0 * h);
    diff += (numeric - grad[k]) * (numeric - grad[k]);
    sum += (numeric + grad[k]) * (numeric + grad[k]);
  }
  ASSERT_GT(sum, 0.0) << what;
  EXPECT_LT(std::sqrt(diff / sum), 2e-3) << what;
}

TEST(ModelGradient, RecipeMatchesFiniteDifferences) {
  const std::vector<int32_t> tokens = {1, 4, 5, 11, 2, 0, 0, 1, 7, 7, 1, 9, 3, 3, 10};
  check_gradient(lstm_config(12, 3, 4), tokens, 3, 5, "recipe");
}

TEST(ModelGradient, EveryLayerCombinationMatchesFiniteDifferences) {
  const PaddedRows rows = padded_rows({{1, 4, 5, 11}, {3}, {1, 7, 7, 9, 2}, {}}, 6);
  for (const Variant& v : kVariants)
    for (bool mask : {false, true})
      check_gradient(stack(v.cell, v.bi, v.pooling, v.layers, mask, v.classes), rows.pre, rows.B,
                     rows.T, variant_name(v) + (mask ? " masked" : ""));
}

// The n-gram head (table, kernel, bias) beside masked and unmasked recurrent layers, with a
// padding token inside a row (which splits its n-grams): through the mean of the heads, and
// with each head's own loss as training uses it.
TEST(ModelGradient, NgramHeadMatchesFiniteDifferences) {
  PaddedRows rows = padded_rows({{1, 4, 5, 11}, {3}, {1, 7, 7, 9, 2}, {}, {4, 4, 4}}, 6);
  rows.pre[4 * 6 + 4] = 0;  // row 4: 4 0 4
  for (bool mask : {false, true})
    for (size_t classes : {2, 3})
      for (bool heads : {false, true}) {
        // Mean pooling: max pooling's arg max can switch inside the finite difference's step
        // where the all-padding row's steps repeat one input.
        ModelConfig cfg = stack(CellType::kGru, true, Pooling::kMean, 1, mask, classes);
        cfg.ngrams = {3, 4, 2};
        cfg.dropout = 0.3f;
        check_gradient(cfg, rows.pre, rows.B, rows.T,
                       "ngrams" + std::string(mask ? " masked" : "") +
                           " K=" + std::to_string(classes) + (heads ? " head losses" : ""),
                       heads);
      }
}

TEST(ModelGradient, DropoutMatchesFiniteDifferences) {
  const PaddedRows rows = padded_rows({{1, 4, 5, 11}, {3, 2}, {1, 7, 7, 9, 2}}, 5);
  ModelConfig cfg = stack(CellType::kLstm, true, Pooling::kMaxMean, 2, true);
  for (auto& l : cfg.layers) l.dropout = 0.3f, l.recurrent_dropout = 0.3f;
  cfg.dropout = 0.3f;
  check_gradient(cfg, rows.pre, rows.B, rows.T, "lstm dropout");
  for (auto& l : cfg.layers) l.cell = CellType::kGru;
  check_gradient(cfg, rows.pre, rows.B, rows.T, "gru dropout");
}

// One training forward and backward of the rows (BCE, or softmax cross-entropy for several
// classes) with a path switched off and then on (choose); used says whether a forward took
// it. Expects the two to give the same logits (2e-6) and every parameter's gradient (1e-5 of
// the largest, or of 1e-3), and returns the reference path's.
struct Pass {
  std::vector<float> logits, grad;
};

Pass expect_paths_agree(const Model& model, const PaddedRows& rows, const std::vector<float>& y,
                        const std::function<void(ShardCache&, bool)>& choose,
                        const std::function<bool(const ShardCache&)>& used,
                        const std::string& what) {
  Pass pass[2];
  for (bool on : {false, true}) {
    ShardCache c;
    c.training = true;
    c.dropout_seed = 3;
    choose(c, on);
    model_forward(model, c, rows.pre.data(), rows.B, rows.T, rows.T);
    EXPECT_EQ(used(c), on) << what;
    shard_loss(c, y, model.config().outputs(), false, true);
    Pass& p = pass[on];
    p.grad.assign(model.params().size(), 0.0f);
    model_backward(model, c, p.grad.data() + model.sparse_size());
    model_embedding_backward(model, c, p.grad.data());
    p.logits = c.logits;
  }
  EXPECT_EQ(pass[0].logits.size(), pass[1].logits.size()) << what;
  for (size_t k = 0; k < pass[0].logits.size(); ++k)
    EXPECT_NEAR(pass[0].logits[k], pass[1].logits[k], 2e-6) << what;
  double scale = 1e-3, diff = 0.0;
  for (size_t k = 0; k < pass[0].grad.size(); ++k) {
    scale = std::max(scale, std::abs(double(pass[0].grad[k])));
    diff = std::max(diff, std::abs(double(pass[0].grad[k]) - double(pass[1].grad[k])));
  }
  EXPECT_LT(diff, 1e-5 * scale) << what;
  return pass[0];
}

// Shared padding (ForwardPaths::share_padding) is exact: logits and every gradient equal the
// step-by-step run of the padding, for one and two LSTM layers, units the fused kernels take
// (32) and not (4), rows of padding only, rows without padding and a padding token inside
// a row, in training and in inference with the projection tables. (Dropout on the pooled
// features still allows sharing, but its masks follow the sorted row order, which sharing
// changes, so it is left out of the comparison.)
TEST(ModelSharedPadding, EqualsRunningThePaddingStepByStep) {
  PaddedRows rows = padded_rows({{1, 4, 5, 11}, {3}, {}, {1, 7, 7, 9, 2, 8, 5}, {4, 0, 4}, {}}, 7);
  for (size_t layers : {1u, 2u})
    for (size_t units : {4u, 32u})
      for (size_t classes : {2u, 3u}) {
        ModelConfig cfg = stack(CellType::kLstm, false, Pooling::kLast, layers, false, classes);
        for (auto& l : cfg.layers) l.units = units;
        ASSERT_TRUE(share_padding_applies(cfg, true));
        const Model model = random_model(cfg, 9, 0.5);
        const std::string what = std::to_string(layers) + " layers, H " + std::to_string(units) +
                                 ", K " + std::to_string(classes);
        std::vector<float> y(rows.B);
        for (size_t n = 0; n < rows.B; ++n) y[n] = static_cast<float>(n % classes);
        const auto ref = expect_paths_agree(
            model, rows, y, [](ShardCache& c, bool on) { c.paths.share_padding = on; },
            [](const ShardCache& c) { return c.plan.shared; }, what);
        EXPECT_GT(std::abs(ref.grad[0]), 0.0f) << what;  // the padding row's embedding learns

        const ProjectionTables tables = input_projection_tables(model);
        ShardCache c;
        c.paths.share_padding = false;
        model_forward(model, c, rows.pre.data(), rows.B, rows.T, rows.T, &tables);
        const auto ref_inference = c.logits;
        c.paths.share_padding = true;
        model_forward(model, c, rows.pre.data(), rows.B, rows.T, rows.T, &tables);
        EXPECT_TRUE(c.plan.shared);
        for (size_t k = 0; k < ref.logits.size(); ++k)
          EXPECT_NEAR(ref_inference[k], c.logits[k], 2e-6) << what << " inference";
      }
}

// Projecting per distinct token (ForwardPaths::project_per_token) gives the row-by-row
// projection's logits and gradients (embedding rows, input kernel and everything after),
// with and without shared padding, for unidirectional and bidirectional LSTM stacks.
TEST(ModelPerTokenProjection, EqualsProjectingEveryRow) {
  PaddedRows rows =
      padded_rows({{1, 4, 5, 11, 4, 4}, {3}, {}, {1, 7, 7, 9, 2, 8, 5}, {4, 0, 4}}, 7);
  for (bool bi : {false, true})
    for (bool mask : {false, true})
      for (size_t units : {4u, 32u}) {
        ModelConfig cfg = stack(CellType::kLstm, bi, Pooling::kLast, 2, mask);
        for (auto& l : cfg.layers) l.units = units;
        const Model model = random_model(cfg, 21, 0.5);
        const std::string what = std::string(bi ? "bi" : "uni") + (mask ? " masked" : "") + " H " +
                                 std::to_string(units);
        const std::vector<float> y = {1, 0, 1, 0, 1};
        const auto by_rows = expect_paths_agree(
            model, rows, y, [](ShardCache& c, bool on) { c.paths.project_per_token = on; },
            [](const ShardCache& c) { return c.plan.by_token; }, what);
        EXPECT_GT(std::abs(by_rows.grad[4 * cfg.embedding_dim]), 0.0f) << what;  // token 4's row
      }
}

// Inference that keeps its padding run runs it for all T steps once and reuses it while the
// weights stay the same: every forward equals a fresh cache's (up to the rounding of GEMMs
// over a different number of padding steps).
TEST(ModelSharedPadding, InferenceReusesItsPaddingRunOnlyWhereValid) {
  ModelConfig cfg = stack(CellType::kLstm, false, Pooling::kLast, 2, false);
  for (auto& l : cfg.layers) l.units = 32;
  const Model first = random_model(cfg, 4, 0.5), second = random_model(cfg, 5, 0.5);
  const PaddedRows short_pad = padded_rows({{1, 4, 5, 11, 3, 2}, {3, 3, 3, 3, 3}}, 7);
  const PaddedRows long_pad = padded_rows({{1, 4}, {}, {5, 5, 5}}, 7);
  ShardCache kept;
  kept.paths.keep_padding_run = true;
  auto check = [&](const Model& model, const PaddedRows& rows, const char* what) {
    ShardCache fresh;
    model_forward(model, fresh, rows.pre.data(), rows.B, rows.T, rows.T);
    model_forward(model, kept, rows.pre.data(), rows.B, rows.T, rows.T);
    ASSERT_TRUE(kept.plan.shared) << what;
    EXPECT_EQ(kept.padding_run_steps, rows.T) << what;
    for (size_t k = 0; k < fresh.logits.size(); ++k)
      EXPECT_NEAR(fresh.logits[k], kept.logits[k], 1e-6) << what << " logit " << k;
  };
  check(first, short_pad, "first run");
  EXPECT_EQ(kept.padding_key, &first);
  check(first, long_pad, "reused, longer padding");
  check(second, short_pad, "other weights: run again");
  EXPECT_EQ(kept.padding_key, &second);
  const PaddedRows longer = padded_rows({{1}, {}}, 9);  // 9 padding steps: more than kept
  check(second, longer, "longer rows: run again");
}

// Where sharing does not apply: masked padding, bidirectional layers, other cells or
// pooling, and dropout on a layer's input or state in training (not in inference).
TEST(ModelSharedPadding, AppliesOnlyWhereExact) {
  const ModelConfig lstm = stack(CellType::kLstm, false, Pooling::kLast, 2, false);
  EXPECT_TRUE(share_padding_applies(lstm, true));
  EXPECT_FALSE(
      share_padding_applies(stack(CellType::kLstm, false, Pooling::kLast, 1, true), false));
  EXPECT_FALSE(
      share_padding_applies(stack(CellType::kLstm, true, Pooling::kLast, 1, false), false));
  EXPECT_FALSE(
      share_padding_applies(stack(CellType::kGru, false, Pooling::kLast, 1, false), false));
  EXPECT_FALSE(
      share_padding_applies(stack(CellType::kLstm, false, Pooling::kMax, 1, false), false));
  for (bool recurrent : {false, true}) {
    ModelConfig cfg = lstm;
    (recurrent ? cfg.layers[1].recurrent_dropout : cfg.layers[1].dropout) = 0.2f;
    EXPECT_FALSE(share_padding_applies(cfg, true));
    EXPECT_TRUE(share_padding_applies(cfg, false));
  }
}

// Finite differences through the shared padding of a two-layer stack, including a row of
// padding only (its logit comes from the padding run alone).
TEST(ModelGradient, SharedPaddingMatchesFiniteDifferences) {
  const PaddedRows rows = padded_rows({{1, 4, 5, 11}, {3}, {}, {2, 2}}, 6);
  check_gradient(stack(CellType::kLstm, false, Pooling::kLast, 2, false), rows.pre, rows.B, rows.T,
                 "shared padding");
}

// Dropout is on in training only, masks follow the seed, and p = 0 changes nothing.
TEST(ModelDropout, TrainingOnlyAndSeeded) {
  ModelConfig cfg = stack(CellType::kLstm, false, Pooling::kMean, 1, true);
  cfg.layers[0].dropout = 0.5f;
  cfg.layers[0].recurrent_dropout = 0.5f;
  cfg.dropout = 0.5f;
  const Model model = random_model(cfg, 8);
  const PaddedRows rows = padded_rows(kRows, 8);
  auto run = [&](bool training, uint64_t seed) {
    ShardCache c;
    c.training = training;
    c.dropout_seed = seed;
    model_forward(model, c, rows.pre.data(), rows.B, rows.T, rows.T);
    return c.logits;
  };
  EXPECT_EQ(run(false, 1), run(false, 2));
  EXPECT_EQ(run(true, 1), run(true, 1));
  EXPECT_NE(run(true, 1), run(true, 2));
  EXPECT_NE(run(true, 1), run(false, 1));
  ModelConfig none = cfg;
  none.layers[0].dropout = none.layers[0].recurrent_dropout = none.dropout = 0.0f;
  Model plain(none);
  std::copy(model.params().begin(), model.params().end(), plain.params().begin());
  ShardCache a;
  a.training = true;
  model_forward(plain, a, rows.pre.data(), rows.B, rows.T, rows.T);
  EXPECT_EQ(a.logits, run(false, 0));
}

}  // namespace
}  // namespace sentiment
