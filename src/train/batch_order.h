// The order fit visits the training rows in: each epoch a fresh permutation from the
// shuffling stream, optionally bucketed by length, cut into batches.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"

namespace sentiment {

class BatchOrder {
 public:
  // rows: the training rows of data. With bucket_by_length each batch holds rows of similar
  // length (counting non-zero tokens).
  BatchOrder(const data::EncodedSplit& data, std::vector<size_t> rows, size_t batch_size,
             bool bucket_by_length);

  size_t steps() const { return (rows_.size() + batch_size_ - 1) / batch_size_; }
  // Starts an epoch: permutes the rows with rng (and buckets them).
  void shuffle(Rng& rng);
  // The rows of batch `step` (0-based); empty when step >= steps().
  std::span<const size_t> batch(size_t step) const;

 private:
  std::vector<size_t> rows_, order_, lengths_;
  size_t batch_size_;
  bool bucket_;
};

// Sorts windows of order by length (longest first, stable) so that each batch holds rows of
// similar length (less work per packed shard), then shuffles the order of the batches.
void bucket_order(std::vector<size_t>& order, const std::vector<size_t>& lengths, size_t batch_size,
                  Rng& rng);

}  // namespace sentiment
