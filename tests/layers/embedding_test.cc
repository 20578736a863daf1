// The embedding layer: gather and scatter-add against finite differences, and a shard's
// distinct tokens.
#include <gtest/gtest.h>

#include <vector>

#include "layers/embedding.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

TEST(EmbeddingLayer, MatchesFiniteDifferences) {
  const size_t V = 5, N = 6, E = 3;
  const std::vector<int32_t> tokens = {1, 4, 1, 0, 2, 4};  // with repeats; row 3 unused
  Rng rng(3);
  auto table = random_vector(V * E, rng);
  const auto proj = random_vector(N * E, rng);
  auto loss = [&] {
    std::vector<double> out(N * E);
    embedding_forward(out.data(), tokens.data(), table.data(), N, E);
    double l = 0;
    for (size_t k = 0; k < out.size(); ++k) l += proj[k] * out[k];
    return l;
  };
  std::vector<double> dtable(V * E);
  embedding_backward(dtable.data(), tokens.data(), proj.data(), N, E);
  EXPECT_LT(relative_error(dtable, numeric_gradient(table, loss)), kGradientTolerance);
  for (size_t e = 0; e < E; ++e) EXPECT_EQ(dtable[3 * E + e], 0.0);
  std::vector<double> out(N * E);
  embedding_forward(out.data(), tokens.data(), table.data(), N, E);
  for (size_t e = 0; e < E; ++e) EXPECT_EQ(out[1 * E + e], table[4 * E + e]);
}

TEST(EmbeddingLayer, DistinctTokensInOrderOfFirstUse) {
  DistinctTokens d;
  const std::vector<int32_t> tokens = {7, 3, 7, 0, 3, 9};
  find_distinct_tokens(d, tokens.data(), tokens.size(), 10);
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{7, 3, 0, 9}));
  EXPECT_EQ(d.slot, (std::vector<uint32_t>{0, 1, 0, 2, 1, 3}));
  // The token -> slot map is clear again for the next shard.
  for (int32_t s : d.slot_of) EXPECT_EQ(s, -1);
  const std::vector<int32_t> next = {3, 3};
  find_distinct_tokens(d, next.data(), next.size(), 10);
  EXPECT_EQ(d.tokens, std::vector<int32_t>{3});
  EXPECT_EQ(d.slot, (std::vector<uint32_t>{0, 0}));
}

}  // namespace
}  // namespace sentiment
