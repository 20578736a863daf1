// The range bookkeeping of the sparse updates: which parameters a step updates now, which
// later, and which n-gram table rows; each case fails if a row a step touched is missed or
// one it did not touch is included.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "train/sparse_updates.h"

namespace sentiment {
namespace {

// Ranges as (begin, end) pairs, which gtest compares and prints.
using Runs = std::vector<std::pair<size_t, size_t>>;
Runs runs(std::span<const ParamRange> ranges) {
  Runs out;
  for (const ParamRange& r : ranges) out.emplace_back(r.begin, r.end);
  return out;
}

// How many of the ranges cover each parameter.
std::vector<int> coverage(std::span<const ParamRange> a, std::span<const ParamRange> b,
                          size_t total) {
  std::vector<int> c(total, 0);
  for (auto ranges : {a, b})
    for (const ParamRange& r : ranges)
      for (size_t k = r.begin; k < r.end; ++k) ++c[k];
  return c;
}

TEST(SplitEmbeddingRows, MarkedRowsAndTheRestNowOthersLater) {
  std::vector<uint8_t> mark = {1, 0, 0, 1, 1, 0};  // 6 rows of 2
  std::vector<ParamRange> now, later;
  split_embedding_rows(mark, 2, 20, now, later);
  EXPECT_EQ(runs(now), (Runs{{0, 2}, {6, 10}, {12, 20}}));
  EXPECT_EQ(runs(later), (Runs{{2, 6}, {10, 12}}));
  EXPECT_EQ(mark, std::vector<uint8_t>(6, 0));
  // Nothing after the embedding: no trailing range; a fully marked table is one run.
  mark.assign(6, 1);
  split_embedding_rows(mark, 2, 12, now, later);
  EXPECT_EQ(runs(now), (Runs{{0, 12}}));
  EXPECT_TRUE(later.empty());
}

TEST(LazyTableRows, RangesHoldEachMarkedRowOnceInOrder) {
  // Table of 5 rows of 3 at [10, 25) among 30 parameters.
  LazyTableRows table(10, 25, 3, 30);
  std::vector<float> grad(30, 1.0f);
  table.begin_step(grad);
  EXPECT_EQ(grad, std::vector<float>(30, 1.0f));  // no previous step: nothing to clear
  const std::vector<uint32_t> shard0 = {4, 1, 4}, shard1 = {1, 0};
  table.mark(shard0);
  table.mark(shard1);
  table.end_step();
  EXPECT_EQ(runs(table.ranges()), (Runs{{0, 10}, {10, 13}, {13, 16}, {22, 25}, {25, 30}}));

  // The next step first zeroes exactly the previous step's ranges (rows 2 and 3 were not
  // used, so their gradient is left alone), and forgets its marks.
  table.begin_step(grad);
  for (size_t k = 0; k < 30; ++k)
    EXPECT_EQ(grad[k], k >= 16 && k < 22 ? 1.0f : 0.0f) << "parameter " << k;
  const std::vector<uint32_t> shard2 = {2};
  table.mark(shard2);
  table.end_step();
  EXPECT_EQ(runs(table.ranges()), (Runs{{0, 10}, {16, 19}, {25, 30}}));
}

TEST(DeferredEmbeddingRows, NextBatchRowsNowTheOthersPendingEachOnce) {
  // 8 rows of 2, then 4 more parameters.
  DeferredEmbeddingRows rows(8, 2, 20);
  EXPECT_FALSE(rows.has_pending());
  const std::vector<int32_t> next = {3, 3, 5};
  rows.mark_tokens(next.data(), next.size());
  Adam adam(AdamConfig{}, 20);
  const Adam::StepCoefficients k = adam.begin_step();
  const std::span<const ParamRange> split = rows.split(k);
  const std::vector<ParamRange> now(split.begin(), split.end());
  // Row 0 (the shared padding run's) and the next batch's rows 3 and 5 are stepped now.
  EXPECT_EQ(runs(now), (Runs{{0, 2}, {6, 8}, {10, 12}, {16, 20}}));
  ASSERT_TRUE(rows.has_pending());
  EXPECT_EQ(coverage(now, rows.pending(), 20), std::vector<int>(20, 1));

  // The pending update touches only the pending rows, and clears their gradient.
  std::vector<float> params(20, 1.0f), grad(20, 0.5f);
  const std::vector<ParamRange> pending(rows.pending().begin(), rows.pending().end());
  rows.apply_pending(adam, params, grad);
  EXPECT_FALSE(rows.has_pending());
  const std::vector<int> in_pending = coverage(pending, {}, 20);
  for (size_t j = 0; j < 20; ++j) {
    EXPECT_EQ(params[j] != 1.0f, in_pending[j] == 1) << "parameter " << j;
    EXPECT_EQ(grad[j], in_pending[j] ? 0.0f : 0.5f) << "parameter " << j;
  }
}

// A deferred step followed by its pending update is the full step: same parameters, same
// moments, and a gradient left all zero.
TEST(ParameterUpdate, DeferredStepEqualsTheFullStep) {
  const size_t V = 12, T = 4;
  data::EncodedSplit data;
  data.n = 2;
  data.maxlen = T;
  data.tokens = {0, 0, 3, 7, 0, 5, 5, 9};
  data.labels = {0.0f, 1.0f};
  const std::vector<size_t> next = {0, 1};
  std::vector<std::vector<float>> params, m;
  ThreadPool pool(2);
  for (bool defer : {false, true}) {
    Model model(lstm_config(V, 4, 3));
    Rng rng(1);
    model.initialize(rng);
    std::vector<float> grad(model.params().size());
    for (size_t k = 0; k < grad.size(); ++k) grad[k] = 0.01f * static_cast<float>(k % 7) - 0.03f;
    const std::vector<float> initial(model.params().begin(), model.params().end());
    Adam adam(AdamConfig{}, grad.size());
    ParameterUpdate update(model, true, defer, 1.0);
    update.step(adam, model.params(), grad, data, next, pool);
    const std::function<void()> pending = update.pending_task(adam, model.params(), grad);
    ASSERT_EQ(static_cast<bool>(pending), defer);
    if (pending) {
      // Until the pending update, only the rows the next batch reads (0, 3, 5, 7, 9) moved.
      const size_t E = 4;
      for (size_t row = 0; row < V; ++row) {
        const bool read = row == 0 || row == 3 || row == 5 || row == 7 || row == 9;
        EXPECT_EQ(model.params()[row * E] != initial[row * E], read) << "row " << row;
      }
      pending();
    }
    EXPECT_TRUE(std::all_of(grad.begin(), grad.end(), [](float g) { return g == 0.0f; }));
    params.emplace_back(model.params().begin(), model.params().end());
    m.push_back(adam.m());
  }
  EXPECT_TRUE(params[0] == params[1]);
  EXPECT_TRUE(m[0] == m[1]);
}

}  // namespace
}  // namespace sentiment
