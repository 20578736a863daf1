// Shared padding, an exact optimisation of pre-padded rows in unidirectional LSTM layers.
// A row's leading padding tokens are the same input at every step from the same zero state,
// so every row with p of them reaches the same state after p steps: one run of P steps over
// the padding token (P the most leading padding in the shard) gives all of them, and each
// row runs only its own tokens from the run's state after its padding. Backward mirrors it:
// each row's initial-state gradients reach the run's step pad - 1, and the run's input
// gradient goes to the layer below's run or, for the first layer, to the padding token's
// embedding row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "layers/packed_batch.h"
#include "layers/recurrent.h"

namespace sentiment {

// The run of one LSTM layer: P steps, one row. Its inputs are x (P steps, row stride
// x_stride: 0 repeats one row) or, when table is given, the per-word projection table's
// row of the padding token (inference).
template <typename F>
void padding_run_forward(DirectionCache<F>& run, std::vector<F>& scratch,
                         std::vector<uint32_t>& zero_index,
                         const F* x,  // (P, E) with row stride x_stride
                         size_t x_stride,
                         const F* table,  // (V, 4H) or null
                         RecurrentParams<const F> w, size_t P, size_t E, size_t H);

// The layer's first state of each sorted row j < active: the run's state after the row's
// T - lengths[j] padding steps.
template <typename F>
void padding_run_start_rows(DirectionCache<F>& rows, const DirectionCache<F>& run,
                            const PackedBatch& b, size_t H);

// Backward of the run: adds the rows' initial-state gradients (rows.dh0, rows.dc0) to the
// run's dh and dc (sized P H by the caller, with whatever else reaches the run), runs the
// LSTM backward and adds the input gradient to dinput: summed over the steps into one row
// (E) when sum_steps (the padding token's embedding row), else step by step (P, E).
template <typename F>
void padding_run_backward(F* dinput, bool sum_steps, DirectionCache<F>& run,
                          const DirectionCache<F>* rows, std::vector<F>& scratch,
                          const PackedBatch& b, RecurrentParams<const F> w, RecurrentParams<F> dw,
                          size_t P, size_t E, size_t H);

}  // namespace sentiment
