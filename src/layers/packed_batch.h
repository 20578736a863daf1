// A shard's rows in the packed, length-aware layout of kernels/rnn.h: sorted by length,
// longest first (stable), each holding only its steps. Every layer after the embedding reads
// its rows in this sorted order; the model restores the caller's order at the logits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/rnn.h"

namespace sentiment {

// Which of a row's T tokens are steps.
enum class StepsOf : uint8_t {
  kAll,           // every token (plain time-major layout)
  kNonPadding,    // the tokens that are not 0 (mask_zero)
  kAfterPadding,  // the tokens after the row's leading padding (shared padding run)
};

struct PackedBatch {
  size_t B = 0, T = 0;
  std::vector<size_t> order;        // (B) sorted position j -> the caller's row
  std::vector<size_t> lengths;      // (B) steps of sorted row j
  std::vector<size_t> row_len;      // (B) steps of the caller's row n
  std::vector<size_t> batch_sizes;  // (steps) rows active at step t
  std::vector<size_t> offsets;      // (steps + 1) first packed row of step t
  size_t active = 0;                // rows with at least one step
  size_t steps = 0;                 // the longest length
  size_t packed_rows = 0;           // N
  bool ragged = false;              // lengths differ (batch_sizes needed)
  std::vector<int32_t> tokens;      // (N) packed tokens
  std::vector<uint32_t> mirror;     // (N) packed row of the same row's mirrored step

  // The kernels' dimensions for a layer of E inputs and H units over these rows.
  kernels::RnnDims dims(size_t E, size_t H) const {
    return {steps, active, E, H, ragged ? batch_sizes.data() : nullptr};
  }
  // Calls fn(p, j) for every packed row p, with j its row in the sorted shard.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (size_t t = 0; t < steps; ++t)
      for (size_t j = 0; j < batch_sizes[t]; ++j) fn(offsets[t] + j, j);
  }
  // Packed row of a direction's row p: itself forward, its mirror backward.
  size_t in_direction(size_t p, size_t dir) const { return dir == 0 ? p : mirror[p]; }
};

// Packs B rows of T tokens (row-major, row stride `stride`). with_mirror fills `mirror`,
// which the backward direction of a bidirectional layer reads its steps through.
void pack_batch(PackedBatch& b, const int32_t* tokens, size_t B, size_t T, size_t stride,
                StepsOf steps, bool with_mirror);

}  // namespace sentiment
