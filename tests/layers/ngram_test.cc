// The n-gram head: the pinned hash, which table rows a text uses (padding splits n-grams,
// binary counts each once), and the bag and its dense layer against finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "layers/ngram.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

// The hash is part of every trained table, so it is pinned to values computed by an
// independent implementation of its definition (FNV-1a over little-endian 32-bit ids, then
// the splitmix64 finaliser).
TEST(NgramBucket, StableDefinition) {
  const int32_t ab[] = {1, 4}, ba[] = {4, 1}, triple[] = {7, 7, 9}, big[] = {300, 70000};
  EXPECT_EQ(ngram_bucket(ab, 1, 5000, 262144), 1u);
  EXPECT_EQ(ngram_bucket(ab, 2, 5000, 262144), 229161u);
  EXPECT_EQ(ngram_bucket(ba, 2, 5000, 262144), 6063u);
  EXPECT_EQ(ngram_bucket(triple, 3, 12, 1000003), 5240u);
  EXPECT_EQ(ngram_bucket(big, 2, 10, 97), 84u);
  for (int32_t a = 0; a < 50; ++a)
    for (int32_t b = 0; b < 50; ++b) {
      const int32_t ids[] = {a, b};
      const size_t k = ngram_bucket(ids, 2, 100, 7);
      EXPECT_GE(k, 100u);
      EXPECT_LT(k, 107u);
    }
}

// Row 0: "4 0 4 4" (padding inside), row 1: "5 6" (pre-padded), row 2: all padding.
const size_t kT = 4, kV = 10;
const std::vector<int32_t> kTokens = {4, 0, 4, 4, 0, 0, 5, 6, 0, 0, 0, 0};
const std::vector<size_t> kOrder = {0, 1, 2};

TEST(NgramLayer, RowsOfEachText) {
  NgramConfig cfg{2, 7, 2, false};
  NgramRows r;
  ngram_rows(r, kTokens.data(), kOrder.data(), 3, kT, kT, cfg, kV);
  const int32_t bigram44[] = {4, 4}, bigram56[] = {5, 6};
  const auto b44 = static_cast<uint32_t>(ngram_bucket(bigram44, 2, kV, 7));
  const auto b56 = static_cast<uint32_t>(ngram_bucket(bigram56, 2, kV, 7));
  // Row 0: words 4, 4, 4 and only the bigram after the padding; row 1: 5, 6 and "5 6".
  EXPECT_EQ(r.offsets, (std::vector<size_t>{0, 4, 7, 7}));
  EXPECT_EQ(std::vector<uint32_t>(r.ids.begin(), r.ids.begin() + 4),
            (std::vector<uint32_t>{4, 4, 4, b44}));
  EXPECT_EQ(std::vector<uint32_t>(r.ids.begin() + 4, r.ids.end()),
            (std::vector<uint32_t>{5, 6, b56}));
  cfg.binary = true;
  ngram_rows(r, kTokens.data(), kOrder.data(), 3, kT, kT, cfg, kV);
  EXPECT_EQ(r.offsets[1], 2u);  // 4 and "4 4" once each
}

TEST(NgramLayer, MatchesFiniteDifferences) {
  const NgramConfig cfg{2, 7, 3, false};
  NgramRows r;
  ngram_rows(r, kTokens.data(), kOrder.data(), 3, kT, kT, cfg, kV);
  const size_t B = 3, D = cfg.dim, O = 2, rows = cfg.rows(kV);
  Rng rng(11);
  auto table = random_vector(rows * D, rng), kernel = random_vector(D * O, rng),
       bias = random_vector(O, rng);
  const auto w = random_vector(B * O, rng);
  std::vector<double> bag;
  auto loss = [&] {
    std::vector<double> logits(B * O);
    ngram_forward<double>(bag, logits.data(), r, {table.data(), {kernel.data(), bias.data()}}, B, D,
                          O);
    double l = 0.0;
    for (size_t k = 0; k < logits.size(); ++k) l += w[k] * logits[k];
    return l;
  };
  loss();
  std::vector<double> dbag, dtable(rows * D, 0.0), dkernel(D * O, 0.0), dbias(O, 0.0);
  ngram_backward<double>(dbag, {dkernel.data(), dbias.data()}, w.data(), bag,
                         {kernel.data(), bias.data()}, B, D, O);
  ngram_table_backward(dtable.data(), dbag.data(), r, B, D);
  EXPECT_LT(relative_error(dtable, numeric_gradient(table, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(dkernel, numeric_gradient(kernel, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(dbias, numeric_gradient(bias, loss)), kGradientTolerance);
  // The all-padding row has an empty bag: its logits are the bias.
  for (size_t d = 0; d < D; ++d) EXPECT_EQ(bag[2 * D + d], 0.0);
}

}  // namespace
}  // namespace sentiment
