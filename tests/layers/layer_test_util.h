// What the layer tests share: a packed batch of ragged rows, and the loss sum(w * y) that
// turns any layer output into a scalar whose gradient with respect to y is w.
#pragma once

#include <cstdint>
#include <vector>

#include "layers/packed_batch.h"

namespace sentiment::testing {

// Rows of tokens (0 = padding), pre-padded to T, packed as mask_zero packs them (each row's
// non-padding tokens) or, with all_steps, every token.
inline PackedBatch packed_rows(const std::vector<std::vector<int32_t>>& rows, size_t T,
                               bool all_steps = false) {
  std::vector<int32_t> tokens(rows.size() * T, 0);
  for (size_t n = 0; n < rows.size(); ++n)
    for (size_t k = 0; k < rows[n].size(); ++k) tokens[n * T + T - rows[n].size() + k] = rows[n][k];
  PackedBatch b;
  pack_batch(b, tokens.data(), rows.size(), T, T, all_steps ? StepsOf::kAll : StepsOf::kNonPadding,
             true);
  return b;
}

inline double weighted_sum(const std::vector<double>& y, const std::vector<double>& w) {
  double s = 0.0;
  for (size_t k = 0; k < y.size(); ++k) s += y[k] * w[k];
  return s;
}

}  // namespace sentiment::testing
