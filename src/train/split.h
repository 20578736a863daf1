// Train/validation splits of a labelled set, as row indices: Keras's tail split, a seeded
// shuffled split, and a seeded stratified split that keeps the class proportions. Every
// mode takes the same number of validation rows, validation_rows(n, fraction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sentiment {

// Persisted in run configurations: explicit values, never renumber.
enum class SplitMode : uint8_t { kTail = 0, kShuffle = 1, kStratified = 2 };

SplitMode parse_split_mode(std::string_view name);  // "tail", "shuffle", "stratified"
const char* to_string(SplitMode mode);

// Row indices into the labelled set, each list in increasing (document) order. Together
// they cover every row exactly once.
struct Split {
  std::vector<size_t> train, val;
};

// floor(n * fraction): the count fit() takes from the tail. fraction must be in [0, 1)
// (throws Error otherwise). Keras itself keeps floor(n * (1 - fraction)) training rows,
// which can give one validation row more.
size_t validation_rows(size_t n, double fraction);

// The last validation_rows(n, fraction) rows are validation, the rest train.
Split tail_split(size_t n, double fraction);

// A seeded uniformly random set of validation_rows(n, fraction) rows is validation.
Split shuffle_split(size_t n, double fraction, uint64_t seed);

// Class c (labels are class ids >= 0; K = max + 1) with m_c of the n rows gets floor or
// ceil of m_c * V / n validation rows, V = validation_rows(n, fraction): the floors first,
// then the rows left over go one each to the classes with the largest remainders (ties to
// the lower class id). So the total matches the other modes and, when m_c * V / n are whole
// numbers, the proportions are exact. Which rows of a class go is chosen by a seeded
// shuffle. Throws Error naming the first negative label.
Split stratified_split(std::span<const int32_t> labels, double fraction, uint64_t seed);

// Dispatches on mode; tail and shuffle only use labels.size().
Split make_split(SplitMode mode, std::span<const int32_t> labels, double fraction, uint64_t seed);

// Rows per class, K = max label + 1 entries (empty for no rows). Throws Error naming the
// first negative label.
std::vector<size_t> class_counts(std::span<const int32_t> labels);

}  // namespace sentiment
