// Pooling over packed rows: every kind, one- and two-direction outputs, against finite
// differences in double, and the closed forms of last-state and mean pooling.
#include <gtest/gtest.h>

#include <vector>

#include "layer_test_util.h"
#include "layers/pooling.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;
using testing::weighted_sum;

// Ragged rows, one of them empty (its features stay zero).
const std::vector<std::vector<int32_t>> kRows = {{1, 4, 5, 11}, {3}, {}, {1, 7, 7, 9, 2}};

TEST(PoolingLayer, EveryKindMatchesFiniteDifferences) {
  const PackedBatch b = testing::packed_rows(kRows, 6);
  const size_t H = 3, N = b.packed_rows;
  for (Pooling pooling : {Pooling::kLast, Pooling::kMax, Pooling::kMean, Pooling::kMaxMean})
    for (bool bi : {false, true}) {
      const size_t W = bi ? 2 * H : H, F = pooling_features(pooling, W);
      Rng rng(7);
      auto y = random_vector(N * W, rng);
      const auto w = random_vector(b.B * F, rng);
      std::vector<double> features;
      std::vector<uint32_t> argmax;
      auto loss = [&] {
        pooling_forward(features, argmax, y.data(), b, pooling, W, H, bi);
        return weighted_sum(features, w);
      };
      loss();
      std::vector<double> dy(N * W, 0.0);
      pooling_backward(dy.data(), w.data(), argmax, b, pooling, W, H, bi);
      EXPECT_LT(relative_error(dy, numeric_gradient(y, loss)), kGradientTolerance)
          << to_string(pooling) << " bi " << bi;
      for (size_t j = b.active; j < b.B; ++j) {
        for (size_t k = 0; k < F; ++k) EXPECT_EQ(features[j * F + k], 0.0);
      }
    }
}

TEST(PoolingLayer, LastAndMeanClosedForms) {
  const PackedBatch b = testing::packed_rows(kRows, 6);
  const size_t H = 2, W = 2 * H, N = b.packed_rows;
  std::vector<double> y(N * W);
  for (size_t k = 0; k < y.size(); ++k) y[k] = static_cast<double>(k);
  std::vector<double> last, mean;
  std::vector<uint32_t> argmax;
  pooling_forward(last, argmax, y.data(), b, Pooling::kLast, W, H, true);
  pooling_forward(mean, argmax, y.data(), b, Pooling::kMean, W, H, true);
  for (size_t j = 0; j < b.active; ++j) {
    const size_t final_row = b.offsets[b.lengths[j] - 1] + j;  // forward half: last step
    for (size_t k = 0; k < H; ++k) {
      EXPECT_EQ(last[j * W + k], y[final_row * W + k]);
      EXPECT_EQ(last[j * W + H + k], y[j * W + H + k]);  // backward half: step 0
    }
    for (size_t k = 0; k < W; ++k) {
      double s = 0.0;
      for (size_t t = 0; t < b.lengths[j]; ++t) s += y[(b.offsets[t] + j) * W + k];
      EXPECT_NEAR(mean[j * W + k], s / static_cast<double>(b.lengths[j]), 1e-12);
    }
  }
}

TEST(PoolingLayer, NamesRoundTrip) {
  for (Pooling p : {Pooling::kLast, Pooling::kMax, Pooling::kMean, Pooling::kMaxMean})
    EXPECT_EQ(parse_pooling(to_string(p)), p);
  EXPECT_ANY_THROW(parse_pooling("median"));
}

}  // namespace
}  // namespace sentiment
