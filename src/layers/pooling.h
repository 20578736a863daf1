// Pooling over time: the features the output layer sees, from the last recurrent layer's
// packed outputs y (N, W), one row per sorted row of the shard:
//   last:     h at the row's last step (for a bidirectional layer: the forward half's last
//             step and the backward half's first, which has read the whole row)
//   max:      the maximum over the row's steps, per column (arg max kept for backward)
//   mean:     the mean over the row's steps
//   max_mean: max, then mean (2W columns)
// Rows without steps get zero features.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "layers/packed_batch.h"

namespace sentiment {

// Persisted in model files: explicit values, never renumber.
enum class Pooling : uint8_t { kLast = 0, kMax = 1, kMean = 2, kMaxMean = 3 };

const char* to_string(Pooling pooling);
Pooling parse_pooling(std::string_view name);  // "last", "max", "mean", "max_mean"

// Feature columns for outputs of width W.
inline size_t pooling_features(Pooling pooling, size_t W) {
  return pooling == Pooling::kMaxMean ? 2 * W : W;
}

// H: units per direction (W = H or 2H); bidirectional: y's columns are forward then backward.
template <typename F>
void pooling_forward(std::vector<F>& features,       // (B, pooling_features) out, sorted rows
                     std::vector<uint32_t>& argmax,  // (B, W) out: max pooling's packed rows
                     const F* y,                     // (N, W)
                     const PackedBatch& b, Pooling pooling, size_t W, size_t H, bool bidirectional);

template <typename F>
void pooling_backward(F* dy,                                // (N, W) accumulated
                      const F* dfeatures,                   // (B, pooling_features)
                      const std::vector<uint32_t>& argmax,  // from forward
                      const PackedBatch& b, Pooling pooling, size_t W, size_t H,
                      bool bidirectional);

}  // namespace sentiment
