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
#include "model/inference.h"
#include "model/model.h"
#include "model/model_json.h"
#include "model_test_util.h"

namespace sentiment {
namespace {

using namespace testing;  // the model test helpers of model_test_util.h

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
