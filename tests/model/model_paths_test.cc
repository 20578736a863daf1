// The model's exact fast paths against its reference paths: shared padding (in training and
// at inference, kept between forwards) and the first layer's projection per distinct token.
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

}  // namespace
}  // namespace sentiment
