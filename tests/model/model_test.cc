// The assembled model: Keras initialisers and the end-to-end gradient of the layer stack
// (embedding -> LSTM -> dense -> BCE) against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/dense.h"
#include "kernels/embedding.h"
#include "model/model.h"

namespace sentiment {
namespace {

TEST(ModelInit, KerasInitialisers) {
  ModelConfig cfg{100, 8, 16};
  Model model(cfg);
  Rng rng(3);
  model.initialize(rng);
  const auto& v = model.views();
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(model.params().size(), 100u * 8 + 8 * 64 + 16 * 64 + 64 + 16 + 1);
  auto params = model.params();
  for (size_t k = 0; k < v[0].size(); ++k) EXPECT_LE(std::abs(params[k]), 0.05f);
  const double glorot = std::sqrt(6.0 / (8 + 64));
  for (size_t k = 0; k < v[1].size(); ++k) EXPECT_LE(std::abs(params[v[1].offset + k]), glorot);
  // Recurrent kernel (16, 64): orthonormal rows.
  const float* U = model.lstm_recurrent();
  for (size_t a = 0; a < 16; ++a)
    for (size_t b = 0; b < 16; ++b) {
      double dot = 0;
      for (size_t j = 0; j < 64; ++j) dot += double(U[a * 64 + j]) * U[b * 64 + j];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
    }
  const float* bias = model.lstm_bias();
  for (size_t j = 0; j < 64; ++j) EXPECT_EQ(bias[j], (j >= 16 && j < 32) ? 1.0f : 0.0f);
  EXPECT_EQ(model.dense_bias()[0], 0.0f);
}

TEST(ModelInit, SameSeedSameWeights) {
  Model a({50, 4, 4}), b({50, 4, 4});
  Rng r1(9), r2(9);
  a.initialize(r1);
  b.initialize(r2);
  EXPECT_TRUE(std::equal(a.params().begin(), a.params().end(), b.params().begin()));
}

TEST(Model, RejectsDegenerateConfig) {
  EXPECT_ANY_THROW(Model({3, 4, 4}));
  EXPECT_ANY_THROW(Model({10, 0, 4}));
}

// Inference with the per-word projection table computes the same logits as the training
// forward (embedding, then the input GEMM), up to float rounding in the order of the sums.
TEST(ModelInference, ProjectionTableMatchesFullForward) {
  ModelConfig cfg{30, 8, 16};
  Model model(cfg);
  Rng rng(11);
  model.initialize(rng);
  for (auto& p : model.params()) p = static_cast<float>(rng.uniform(-0.3, 0.3));
  const size_t B = 7, T = 9;
  std::vector<int32_t> tokens(B * T);
  for (auto& t : tokens) t = static_cast<int32_t>(rng.below(30));
  const std::vector<float> table = input_projection_table(model);
  ASSERT_EQ(table.size(), 30u * 64);
  ShardCache full, fast;
  full.resize(cfg, B, T, false);
  fast.resize(cfg, B, T, false);
  model_forward(model, full, tokens.data(), T);
  model_forward(model, fast, tokens.data(), T, table.data());
  for (size_t n = 0; n < B; ++n) EXPECT_NEAR(full.logits[n], fast.logits[n], 1e-5) << n;
  // And it is not trivially equal because nothing ran: the logits differ between rows.
  EXPECT_NE(full.logits[0], full.logits[1]);
}

// Float model, so the central difference uses a larger step; 1e-2 relative error still
// separates a correct gradient (~1e-3 here) from any wrong term (order 1).
TEST(ModelGradient, WholeStackMatchesFiniteDifferences) {
  ModelConfig cfg{12, 3, 4};
  Model model(cfg);
  Rng rng(5);
  model.initialize(rng);
  // Larger weights than the initialisers give, so every gate is exercised.
  for (auto& p : model.params()) p = static_cast<float>(rng.uniform(-0.8, 0.8));
  const size_t B = 3, T = 5;
  const std::vector<int32_t> tokens = {1, 4, 5, 11, 2, 0, 0, 1, 7, 7, 1, 9, 3, 3, 10};
  const std::vector<float> y = {1, 0, 1};
  ShardCache cache;
  cache.resize(cfg, B, T, true);
  auto loss = [&] {
    model_forward(model, cache, tokens.data(), T);
    return kernels::bce_with_logits<float>(nullptr, cache.logits.data(), y.data(), B, 1.0f) / B;
  };
  loss();
  kernels::bce_with_logits(cache.dlogits.data(), cache.logits.data(), y.data(), B, 1.0f / B);
  std::vector<float> grad(model.params().size(), 0.0f);
  model_backward(model, cache, grad.data() + model.embedding_size());
  kernels::embedding_backward(grad.data(), tokens.data(), T, cache.dx.data(),
                              {T, B, cfg.embedding_dim});
  double diff = 0, sum = 0;
  auto params = model.params();
  for (size_t k = 0; k < params.size(); ++k) {
    const float saved = params[k];
    const float h = 1e-2f;
    params[k] = saved + h;
    const double plus = loss();
    params[k] = saved - h;
    const double minus = loss();
    params[k] = saved;
    const double numeric = (plus - minus) / (2.0 * h);
    diff += (numeric - grad[k]) * (numeric - grad[k]);
    sum += (numeric + grad[k]) * (numeric + grad[k]);
  }
  EXPECT_LT(std::sqrt(diff / sum), 1e-2);
}

}  // namespace
}  // namespace sentiment
