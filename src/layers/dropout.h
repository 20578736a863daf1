// Inverted dropout: a mask of 0 (probability p) and 1 / (1 - p) entries, drawn from the
// shard's seeded stream and kept for backward, which multiplies by the same mask.
#pragma once

#include <cstddef>
#include <vector>

#include "core/rng.h"

namespace sentiment {

// mask (n): each entry 0 with probability p, else 1 / (1 - p).
void dropout_mask(std::vector<float>& mask, size_t n, float p, Rng& rng);

// x (n) *= mask (n): forward on activations, backward on their gradients.
template <typename F>
void dropout_apply(F* x, const float* mask, size_t n) noexcept {
  for (size_t k = 0; k < n; ++k) x[k] *= mask[k];
}

}  // namespace sentiment
