// The forward pass of a quantized model (model/quantized.h) on every path model_forward
// takes: per-word projection tables or per-token projection, shared padding or packed
// masked rows, every cell, stacked and bidirectional. Its logits follow the same weights'
// float forward within a tolerance, and differ from it (the int8 step products ran);
// training forwards ignore the int8 weights.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/rnn_int8.h"
#include "model/quantized.h"
#include "model_test_util.h"

namespace sentiment {
namespace {

using testing::kRows;
using testing::kVariants;

// Logits move by the int8 rounding of h_{t-1} at each step (weights are the same
// dequantized ones on both sides); with weights in [-0.3, 0.3] and at most six steps that
// stays well below this.
constexpr float kLogitTolerance = 0.03f;

TEST(QuantizedForward, EveryPathFollowsTheFloatForward) {
  for (const auto& v : kVariants)
    for (bool mask : {false, true})
      for (bool tables : {false, true})
        for (bool pre : {false, true}) {
          SCOPED_TRACE(std::string(to_string(v.cell)) + (v.bi ? " bi" : "") +
                       (mask ? " mask" : "") + (tables ? " tables" : "") + (pre ? " pre" : ""));
          const ModelConfig cfg =
              testing::stack(v.cell, v.bi, v.pooling, v.layers, mask, v.classes);
          Model q = quantize_model(testing::random_model(cfg, 17, 0.3));
          q.set_int8_steps(true);
          Model plain(cfg);
          std::copy(q.params().begin(), q.params().end(), plain.params().begin());
          const testing::PaddedRows rows = testing::padded_rows(kRows, 7);
          const std::vector<int32_t>& tokens = pre ? rows.pre : rows.post;
          const ProjectionTables tq = input_projection_tables(q);
          const ProjectionTables tp = input_projection_tables(plain);
          const std::vector<float> lq =
              testing::forward_logits(q, tokens, rows.B, rows.T, tables ? &tq : nullptr);
          const std::vector<float> lp =
              testing::forward_logits(plain, tokens, rows.B, rows.T, tables ? &tp : nullptr);
          ASSERT_EQ(lq.size(), lp.size());
          bool differs = false;
          for (size_t i = 0; i < lq.size(); ++i) {
            EXPECT_NEAR(lq[i], lp[i], kLogitTolerance) << i;
            differs = differs || lq[i] != lp[i];
          }
          EXPECT_TRUE(differs) << "the int8 step products did not run";
        }
}

TEST(QuantizedForward, TrainingForwardsUseTheFloatWeights) {
  const ModelConfig cfg = testing::stack(CellType::kLstm, false, Pooling::kLast, 2, false);
  Model q = quantize_model(testing::random_model(cfg, 3, 0.3));
  q.set_int8_steps(true);
  Model plain(cfg);
  std::copy(q.params().begin(), q.params().end(), plain.params().begin());
  const testing::PaddedRows rows = testing::padded_rows(kRows, 7);
  auto train_logits = [&](const Model& m) {
    ShardCache cache;
    cache.training = true;
    model_forward(m, cache, rows.pre.data(), rows.B, rows.T, rows.T);
    return cache.logits;
  };
  EXPECT_EQ(train_logits(q), train_logits(plain));
}

TEST(QuantizedForward, FloatStepsOnTheDequantizedWeightsWhenInt8IsOff) {
  const ModelConfig cfg = testing::stack(CellType::kGru, true, Pooling::kMean, 1, true);
  Model q = quantize_model(testing::random_model(cfg, 5, 0.3));
  EXPECT_EQ(q.int8_steps(), kernels::cpu::int8_steps_pay(CellType::kGru, 4));
  Model plain(cfg);
  std::copy(q.params().begin(), q.params().end(), plain.params().begin());
  const testing::PaddedRows rows = testing::padded_rows(kRows, 7);
  q.set_int8_steps(false);
  EXPECT_EQ(q.int8_recurrent_kernel(0, 0), nullptr);
  EXPECT_EQ(testing::forward_logits(q, rows.post, rows.B, rows.T),
            testing::forward_logits(plain, rows.post, rows.B, rows.T));
  q.set_int8_steps(true);
  EXPECT_NE(testing::forward_logits(q, rows.post, rows.B, rows.T),
            testing::forward_logits(plain, rows.post, rows.B, rows.T));
}

}  // namespace
}  // namespace sentiment
