// The batch order: every training row once per epoch, batches of the configured size, the
// same order for the same stream, and length buckets when asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "train/batch_order.h"

namespace sentiment {
namespace {

// Rows r of T = 10 tokens, the first (r * 7) % 11 non-zero.
data::EncodedSplit rows_of_lengths(size_t n) {
  data::EncodedSplit s;
  s.n = n;
  s.maxlen = 10;
  s.tokens.assign(n * 10, 0);
  s.labels.assign(n, 0.0f);
  for (size_t r = 0; r < n; ++r)
    for (size_t t = 0; t < (r * 7) % 11; ++t) s.tokens[r * 10 + t] = 1;
  return s;
}

TEST(BatchOrder, EveryRowOncePerEpochInBatchesOfTheSize) {
  const data::EncodedSplit data = rows_of_lengths(50);
  std::vector<size_t> train;
  for (size_t r = 0; r < 50; r += 2) train.push_back(r);  // 25 rows
  for (bool bucket : {false, true}) {
    BatchOrder order(data, train, 4, bucket);
    ASSERT_EQ(order.steps(), 7u);
    Rng rng(3);
    order.shuffle(rng);
    std::vector<size_t> seen;
    for (size_t step = 0; step < order.steps(); ++step) {
      const std::span<const size_t> b = order.batch(step);
      EXPECT_EQ(b.size(), step + 1 < order.steps() ? 4u : 1u) << "step " << step;
      seen.insert(seen.end(), b.begin(), b.end());
    }
    EXPECT_TRUE(order.batch(order.steps()).empty());
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, train) << "bucket " << bucket;
  }
}

TEST(BatchOrder, SameStreamSameOrderAndBucketsHoldSimilarLengths) {
  // A whole number of batches: bucket_order shuffles the batches of the sorted windows, so
  // a partial batch that lands mid-order shifts every later batch off those boundaries.
  const data::EncodedSplit data = rows_of_lengths(296);
  std::vector<size_t> train(296);
  for (size_t r = 0; r < 296; ++r) train[r] = r;
  BatchOrder a(data, train, 8, true), b(data, train, 8, true);
  Rng ra(5), rb(5);
  a.shuffle(ra);
  b.shuffle(rb);
  for (size_t step = 0; step < a.steps(); ++step) {
    const std::span<const size_t> x = a.batch(step), y = b.batch(step);
    ASSERT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << "step " << step;
    // A batch is a slice of one length-sorted window: longest first.
    for (size_t k = 1; k < x.size(); ++k)
      EXPECT_GE((x[k - 1] * 7) % 11, (x[k] * 7) % 11) << "step " << step;
  }
}

}  // namespace
}  // namespace sentiment
