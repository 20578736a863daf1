// Rng: reproducible streams, unbiased ranges, sane moments, and a true permutation.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/rng.h"

namespace sentiment {
namespace {

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(7), b(7), c(8);
  bool any_diff = false;
  for (int k = 0; k < 100; ++k) {
    const uint64_t va = a.next_u64();
    EXPECT_EQ(va, b.next_u64());
    any_diff |= va != c.next_u64();
  }
  EXPECT_TRUE(any_diff);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng rng(1);
  std::vector<int> counts(7, 0);
  for (int k = 0; k < 70000; ++k) {
    const uint64_t v = rng.below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);  // ~5 sigma
}

TEST(Rng, UniformAndNormalMoments) {
  Rng rng(2);
  double sum = 0, sq = 0, nsum = 0, nsq = 0;
  const int n = 200000;
  for (int k = 0; k < n; ++k) {
    const double u = rng.uniform(-1.0, 1.0);
    ASSERT_GE(u, -1.0);
    ASSERT_LT(u, 1.0);
    sum += u, sq += u * u;
    const double z = rng.normal();
    nsum += z, nsq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0 / 3.0, 0.01);
  EXPECT_NEAR(nsum / n, 0.0, 0.01);
  EXPECT_NEAR(nsq / n, 1.0, 0.02);
}

TEST(Rng, ShuffleIsAPermutationAndDependsOnSeed) {
  std::vector<int> a(1000), b(1000);
  std::iota(a.begin(), a.end(), 0);
  b = a;
  Rng r1(113), r2(114);
  r1.shuffle(std::span<int>(a));
  r2.shuffle(std::span<int>(b));
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  for (int k = 0; k < 1000; ++k) EXPECT_EQ(a[k], k);
}

}  // namespace
}  // namespace sentiment
