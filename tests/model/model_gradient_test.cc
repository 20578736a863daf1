// The whole stack's gradient against finite differences: every layer combination, the
// n-gram head, dropout and the shared padding run, in float (the per-layer checks in double
// are in tests/layers).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "model/inference.h"
#include "model/model.h"
#include "model_test_util.h"

namespace sentiment {
namespace {

using namespace testing;  // the model test helpers of model_test_util.h

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

// Finite differences through the shared padding of a two-layer stack, including a row of
// padding only (its logit comes from the padding run alone).
TEST(ModelGradient, SharedPaddingMatchesFiniteDifferences) {
  const PaddedRows rows = padded_rows({{1, 4, 5, 11}, {3}, {}, {2, 2}}, 6);
  check_gradient(stack(CellType::kLstm, false, Pooling::kLast, 2, false), rows.pre, rows.B, rows.T,
                 "shared padding");
}

}  // namespace
}  // namespace sentiment
