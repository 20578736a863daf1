// Splits by index lists. Random choices go through one seeded Rng, consumed in a fixed
// order (class by class for the stratified split), so a seed fixes the split everywhere.
#include "train/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace sentiment {
namespace {

// Train is the complement of the chosen validation rows, both in increasing order.
Split from_mask(const std::vector<bool>& is_val) {
  Split s;
  for (size_t r = 0; r < is_val.size(); ++r) (is_val[r] ? s.val : s.train).push_back(r);
  return s;
}

}  // namespace

SplitMode parse_split_mode(std::string_view name) {
  if (name == "tail") return SplitMode::kTail;
  if (name == "shuffle") return SplitMode::kShuffle;
  if (name == "stratified") return SplitMode::kStratified;
  throw Error("split mode: got '" + std::string(name) +
              "', expected one of tail, shuffle, stratified");
}

const char* to_string(SplitMode mode) {
  switch (mode) {
    case SplitMode::kTail:
      return "tail";
    case SplitMode::kShuffle:
      return "shuffle";
    case SplitMode::kStratified:
      return "stratified";
  }
  return "unknown";
}

size_t validation_rows(size_t n, double fraction) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw Error("validation split: got " + std::to_string(fraction) + ", expected in [0, 1)");
  const auto v = static_cast<size_t>(std::floor(static_cast<double>(n) * fraction));
  return std::min(v, n);
}

Split tail_split(size_t n, double fraction) {
  const size_t v = validation_rows(n, fraction);
  Split s;
  s.train.resize(n - v);
  s.val.resize(v);
  std::iota(s.train.begin(), s.train.end(), size_t{0});
  std::iota(s.val.begin(), s.val.end(), n - v);
  return s;
}

Split shuffle_split(size_t n, double fraction, uint64_t seed) {
  const size_t v = validation_rows(n, fraction);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  Rng rng(seed);
  rng.shuffle(std::span<size_t>(order));
  std::vector<bool> is_val(n, false);
  for (size_t k = 0; k < v; ++k) is_val[order[k]] = true;
  return from_mask(is_val);
}

std::vector<size_t> class_counts(std::span<const int32_t> labels) {
  std::vector<size_t> counts;
  for (size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] < 0)
      throw Error("labels: got " + std::to_string(labels[r]) + " at row " + std::to_string(r) +
                  ", expected a class id >= 0");
    const auto c = static_cast<size_t>(labels[r]);
    if (c >= counts.size()) counts.resize(c + 1, 0);
    ++counts[c];
  }
  return counts;
}

Split stratified_split(std::span<const int32_t> labels, double fraction, uint64_t seed) {
  const size_t n = labels.size();
  const size_t v = validation_rows(n, fraction);
  const std::vector<size_t> counts = class_counts(labels);
  const size_t k = counts.size();
  // Largest-remainder apportionment in integers: quota_c = m_c * v / n exactly, so no
  // floating-point rounding can move a row between classes. m_c * v <= n^2 fits in 64 bits
  // for any label vector that fits in memory (n < 2^32).
  if (n >= (uint64_t{1} << 32))
    throw Error("stratified split: got " + std::to_string(n) + " rows, expected < 2^32");
  std::vector<size_t> quota(k), remainder(k);
  size_t assigned = 0;
  for (size_t c = 0; c < k; ++c) {
    const uint64_t share = uint64_t{counts[c]} * v;
    quota[c] = static_cast<size_t>(share / n);
    remainder[c] = static_cast<size_t>(share % n);
    assigned += quota[c];
  }
  std::vector<size_t> by_remainder(k);
  std::iota(by_remainder.begin(), by_remainder.end(), size_t{0});
  std::stable_sort(by_remainder.begin(), by_remainder.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  for (size_t j = 0; assigned < v; ++j, ++assigned) ++quota[by_remainder[j]];

  std::vector<std::vector<size_t>> rows(k);
  for (size_t c = 0; c < k; ++c) rows[c].reserve(counts[c]);
  for (size_t r = 0; r < n; ++r) rows[static_cast<size_t>(labels[r])].push_back(r);
  Rng rng(seed);
  std::vector<bool> is_val(n, false);
  for (size_t c = 0; c < k; ++c) {
    rng.shuffle(std::span<size_t>(rows[c]));
    for (size_t j = 0; j < quota[c]; ++j) is_val[rows[c][j]] = true;
  }
  return from_mask(is_val);
}

Split make_split(SplitMode mode, std::span<const int32_t> labels, double fraction, uint64_t seed) {
  switch (mode) {
    case SplitMode::kTail:
      return tail_split(labels.size(), fraction);
    case SplitMode::kShuffle:
      return shuffle_split(labels.size(), fraction, seed);
    case SplitMode::kStratified:
      return stratified_split(labels, fraction, seed);
  }
  throw Error("split mode: got " + std::to_string(static_cast<int>(mode)) +
              ", expected 0 (tail), 1 (shuffle) or 2 (stratified)");
}

}  // namespace sentiment
