// What every recurrent kernel (LSTM, GRU, SimpleRNN) shares: the cell types, their
// parameter shapes, and the packed, length-aware batch layout.
//
// Packed layout (as PyTorch's PackedSequence): the rows of a batch are sorted by length,
// longest first, and hold only their valid (unmasked) steps, left-aligned. Step t then has
// b_t = batch_sizes[t] active rows, always rows [0, b_t), with b_0 = B >= b_1 >= ... >= b_{T-1}
// >= 1. Every per-step tensor stores step t's b_t rows contiguously after those of the
// earlier steps, so a (N, .) tensor has N = sum_t b_t rows and no padding: masked steps cost
// nothing, and a row that has ended keeps its state (Keras mask_zero semantics). With
// batch_sizes == nullptr every step has B rows and the layout is plain time-major (T, B, .).
//
// State tensors h_seq (and c_seq for the LSTM) hold B + N rows: B zero rows (the initial
// state) and then every step's output in the packed layout, so the h_{t-1} operand of step t
// is the first b_t rows of step t-1's block (of the zero block for t = 0).
//
// Recurrent dropout: rmask (B, H), or null, multiplies h_{t-1} wherever it meets the
// recurrent weights U (one mask per sequence, the same at every step, Keras 3 semantics);
// the carried state itself is never masked.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sentiment::kernels {

// Persisted in model files: explicit values, never renumber.
enum class CellType : uint8_t { kLstm = 0, kGru = 1, kSimpleRnn = 2 };

struct RnnDims {
  size_t T;                             // steps (the longest row's length)
  size_t B;                             // rows at step 0
  size_t E;                             // input features
  size_t H;                             // units
  const size_t* batch_sizes = nullptr;  // (T) rows active at each step, or null = B everywhere
};

inline size_t rnn_rows(const RnnDims& d, size_t t) {
  return d.batch_sizes ? d.batch_sizes[t] : d.B;
}

// N: the number of packed rows.
inline size_t rnn_packed_rows(const RnnDims& d) {
  if (!d.batch_sizes) return d.T * d.B;
  size_t n = 0;
  for (size_t t = 0; t < d.T; ++t) n += d.batch_sizes[t];
  return n;
}

// First row of h_seq (and c_seq) holding step t's h_{t-1}, where off is step t's first packed
// row: the zero block for t = 0, else the first rows of step t-1's block.
inline size_t rnn_prev_state_row(const RnnDims& d, size_t t, size_t off) {
  return t == 0 ? 0 : d.B + off - rnn_rows(d, t - 1);
}

// The signatures all cells' kernels share (kernels/lstm.h, gru.h and simple_rnn.h give each
// argument's shape per cell): forward, backward, and the cpu:: time loop alone on a
// precomputed input projection xproj. Arguments a cell does not use (c_seq, b) keep them
// uniform, so callers and tests can hold any cell's kernels as one function type.
template <typename F>
using RnnForward = void(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W,
                        const F* U, const F* b, const F* rmask, RnnDims d) noexcept;
template <typename F>
using RnnBackward = void(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq,
                         const F* x, const F* W, const F* U, const F* rmask, const F* h_seq,
                         const F* c_seq, const F* gates, RnnDims d) noexcept;
template <typename F>
using RnnRecurrence = void(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xproj, const F* U,
                           const F* b, const F* rmask, RnnDims d) noexcept;

// Gate blocks in W (E, G H) and U (H, G H): LSTM i, f, c, o; GRU z, r, h; SimpleRNN one.
inline size_t rnn_gate_count(CellType c) {
  return c == CellType::kLstm ? 4 : c == CellType::kGru ? 3 : 1;
}

// LSTM (4H); GRU (2, 3H): the input bias then the recurrent bias (reset_after=True);
// SimpleRNN (H).
inline size_t rnn_bias_size(CellType c, size_t H) {
  return c == CellType::kLstm ? 4 * H : c == CellType::kGru ? 6 * H : H;
}

// Columns per packed row of the `gates` cache that forward fills for backward.
inline size_t rnn_cache_width(CellType c, size_t H) {
  return c == CellType::kLstm ? 4 * H : c == CellType::kGru ? 4 * H : H;
}

}  // namespace sentiment::kernels
