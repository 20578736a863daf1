// Train/validation splits: sizes, partitions of the rows, exact class proportions on a
// crafted label vector, the leftover rule worked out by hand, and seed determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/split.h"

namespace sentiment {
namespace {

// train and val are each increasing, disjoint, and together cover 0..n-1.
void expect_partition(const Split& s, size_t n) {
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  EXPECT_TRUE(std::is_sorted(s.val.begin(), s.val.end()));
  std::vector<int> seen(n, 0);
  for (const size_t r : s.train) ++seen.at(r);
  for (const size_t r : s.val) ++seen.at(r);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<std::ptrdiff_t>(n));
  EXPECT_EQ(s.train.size() + s.val.size(), n);
}

std::vector<size_t> val_per_class(const Split& s, const std::vector<int32_t>& labels, size_t k) {
  std::vector<size_t> counts(k, 0);
  for (const size_t r : s.val) ++counts[static_cast<size_t>(labels[r])];
  return counts;
}

// 70 rows interleaved in a fixed pattern: 40 of class 0, 20 of class 1, 10 of class 2.
std::vector<int32_t> crafted_labels() {
  std::vector<int32_t> labels;
  for (int block = 0; block < 10; ++block)
    for (const int32_t c : {0, 1, 0, 2, 0, 1, 0}) labels.push_back(c);
  return labels;
}

TEST(Split, ParseAndName) {
  for (const char* name : {"tail", "shuffle", "stratified"})
    EXPECT_STREQ(to_string(parse_split_mode(name)), name);
  EXPECT_EQ(static_cast<int>(parse_split_mode("stratified")), 2);
  EXPECT_THROW(parse_split_mode("random"), Error);
}

TEST(Split, ValidationRowsIsFloorOfNTimesFraction) {
  EXPECT_EQ(validation_rows(10, 0.2), 2u);
  EXPECT_EQ(validation_rows(5, 0.3), 1u);  // 1.5 rounds down
  EXPECT_EQ(validation_rows(10, 0.0), 0u);
  EXPECT_EQ(validation_rows(0, 0.5), 0u);
  EXPECT_THROW(validation_rows(10, 1.0), Error);
  EXPECT_THROW(validation_rows(10, -0.1), Error);
  EXPECT_THROW(validation_rows(10, std::nan("")), Error);
}

TEST(Split, TailTakesTheLastRows) {
  const Split s = tail_split(10, 0.3);
  EXPECT_EQ(s.val, (std::vector<size_t>{7, 8, 9}));
  EXPECT_EQ(s.train, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(tail_split(4, 0.0).val.empty());
}

TEST(Split, ShufflePartitionsAndDependsOnlyOnTheSeed) {
  const Split a = shuffle_split(100, 0.2, 7);
  expect_partition(a, 100);
  EXPECT_EQ(a.val.size(), 20u);
  const Split again = shuffle_split(100, 0.2, 7);
  EXPECT_EQ(a.val, again.val);
  EXPECT_EQ(a.train, again.train);
  EXPECT_NE(a.val, shuffle_split(100, 0.2, 8).val);
  EXPECT_NE(a.val, tail_split(100, 0.2).val);  // actually shuffled
}

TEST(Split, StratifiedKeepsProportionsExactly) {
  const std::vector<int32_t> labels = crafted_labels();
  EXPECT_EQ(class_counts(labels), (std::vector<size_t>{40, 20, 10}));
  // V = floor(70 * 0.2) = 14 -> 40/70, 20/70, 10/70 of it: 8, 4, 2.
  const Split s = stratified_split(labels, 0.2, 3);
  expect_partition(s, labels.size());
  EXPECT_EQ(val_per_class(s, labels, 3), (std::vector<size_t>{8, 4, 2}));
  // V = floor(70 * 0.1) = 7 -> 4, 2, 1.
  const Split s10 = stratified_split(labels, 0.1, 3);
  EXPECT_EQ(val_per_class(s10, labels, 3), (std::vector<size_t>{4, 2, 1}));
}

TEST(Split, StratifiedLeftoverRowsGoToLargestRemainders) {
  // Counts 5, 3, 2 (n = 10), V = 5: shares 2.5, 1.5, 1.0 -> floors 2, 1, 1 and one row
  // left; classes 0 and 1 tie on remainder 0.5, the lower id wins: 3, 1, 1.
  const std::vector<int32_t> labels = {0, 1, 2, 0, 1, 0, 2, 0, 1, 0};
  const Split s = stratified_split(labels, 0.5, 11);
  expect_partition(s, labels.size());
  EXPECT_EQ(val_per_class(s, labels, 3), (std::vector<size_t>{3, 1, 1}));
  // Gaps in class ids are classes with no rows.
  const std::vector<int32_t> gap = {0, 2, 0, 2};
  EXPECT_EQ(val_per_class(stratified_split(gap, 0.5, 1), gap, 3), (std::vector<size_t>{1, 0, 1}));
}

TEST(Split, StratifiedDependsOnlyOnTheSeed) {
  const std::vector<int32_t> labels = crafted_labels();
  const Split a = stratified_split(labels, 0.2, 5);
  const Split b = stratified_split(labels, 0.2, 5);
  EXPECT_EQ(a.val, b.val);
  EXPECT_EQ(a.train, b.train);
  EXPECT_NE(a.val, stratified_split(labels, 0.2, 6).val);
}

TEST(Split, MakeSplitDispatchesAndRejectsBadLabels) {
  const std::vector<int32_t> labels = crafted_labels();
  EXPECT_EQ(make_split(SplitMode::kTail, labels, 0.2, 1).val, tail_split(70, 0.2).val);
  EXPECT_EQ(make_split(SplitMode::kShuffle, labels, 0.2, 1).val, shuffle_split(70, 0.2, 1).val);
  EXPECT_EQ(make_split(SplitMode::kStratified, labels, 0.2, 1).val,
            stratified_split(labels, 0.2, 1).val);
  try {
    stratified_split(std::vector<int32_t>{0, 1, -1}, 0.5, 1);
    ADD_FAILURE() << "no Error for a negative label";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("got -1 at row 2"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(stratified_split(std::vector<int32_t>{}, 0.5, 1).val.empty());
}

}  // namespace
}  // namespace sentiment
