// LSTM kernels, Keras semantics. Gate order i, f, c (called g below), o in blocks of H
// columns of the (., 4H) gate matrices:
//   z_t = x_t W + (h_{t-1} * m) U + b                (b_t, 4H)
//   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
//   c_t = f * c_{t-1} + i * g        h_t = o * tanh(c_t),   h_{-1} = c_{-1} = 0,
// where m is the recurrent dropout mask rmask (B, H) (all ones when null; c is never masked).
// Layout is the packed, length-aware one of kernels/rnn.h: step t runs rows [0, b_t) and
// every per-step tensor (x, gates, dh_seq) has N = sum_t b_t rows, step after step; h_seq
// and c_seq hold B zero rows (the initial state) and then the N packed outputs, so the h_{t-1}
// operand of step t is the first b_t rows of step t-1's block. With batch_sizes == null this
// is plain time-major (T, B, .) and h_seq[0, T*B) is exactly the stacked h_{t-1} operand.
// gates keeps the *activated* gates (i, f, g, o) of every step for backward.
// Backward takes dL/dh_t for every packed row (dh_seq), accumulates into dx, dW, dU, db
// (callers zero them), as all our kernels do. Scratch holds lstm_scratch_size(d) values.
// Two implementations with identical signatures: ref:: (naive loops, the test oracle) and
// cpu:: (one GEMM for the input projection of all N rows, one fused step kernel or GEMM plus
// pointwise pass per step, weight gradients as large GEMMs after the time loop).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/rnn.h"

namespace sentiment::kernels {

// Forward: packed U (4H^2), the masked h_{t-1} of one step (B H) and, without a gate cache
// on the GEMM path, the step's gates (4 B H). Backward: packed U^T, dh and dc (4H^2 + 2 B H)
// during the time loop, then the masked h_{t-1} of every step (at most N H, the dU operand)
// once the loop is done, reusing the same space.
inline size_t lstm_scratch_size(const RnnDims& d) {
  const size_t loop = 4 * d.H * d.H + 5 * d.B * d.H;
  return std::max(loop, rnn_packed_rows(d) * d.H);
}

namespace ref {

template <typename F>
void lstm_forward(F* h_seq,        // (B+N, H) out: B zero rows, then h_t of every packed row
                  F* c_seq,        // (B+N, H) out: likewise c_t
                  F* gates,        // (N, 4H) out, activated i, f, g, o
                  F* scratch,      // lstm_scratch_size(d) workspace (fast path only)
                  const F* x,      // (N, E)
                  const F* W,      // (E, 4H)
                  const F* U,      // (H, 4H)
                  const F* b,      // (4H)
                  const F* rmask,  // (B, H) recurrent dropout mask, or null
                  RnnDims d) noexcept;

template <typename F>
void lstm_backward(F* dx,            // (N, E) accumulated; may be null (not wanted)
                   F* dW,            // (E, 4H) accumulated
                   F* dU,            // (H, 4H) accumulated
                   F* db,            // (4H) accumulated
                   F* dgates,        // (N, 4H) workspace: pre-activation gradients
                   F* scratch,       // lstm_scratch_size(d) workspace
                   const F* dh_seq,  // (N, H) dL/dh_t of every packed row (zero where unused)
                   const F* x,       // (N, E)
                   const F* W,       // (E, 4H)
                   const F* U,       // (H, 4H)
                   const F* rmask,   // (B, H) the forward's recurrent dropout mask, or null
                   const F* h_seq,   // (B+N, H) from forward
                   const F* c_seq,   // (B+N, H) from forward
                   const F* gates,   // (N, 4H) from forward
                   RnnDims d) noexcept;

}  // namespace ref

namespace cpu {

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                  const F* b, const F* rmask, RnnDims d) noexcept;

// dx and dW may be null, and x is not read when dW is: callers that project per distinct
// token compute the input gradients from dgates themselves (model.cc). dgates may be gates
// itself: the gradients then overwrite the gate cache, one step behind the reads, which
// keeps one (N, 4H) buffer fewer in cache (here and in lstm_backward_from).
template <typename F>
void lstm_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq, const F* x,
                   const F* W, const F* U, const F* rmask, const F* h_seq, const F* c_seq,
                   const F* gates, RnnDims d) noexcept;

// The time loop of lstm_forward alone, for callers that already have the input projection
// (inference gathers it from a per-word table).
template <typename F>
void lstm_recurrence(F* h_seq,        // (B+N, H) out
                     F* c_seq,        // (B+N, H) out
                     F* gates,        // (N, 4H) out, activated i, f, g, o
                     F* scratch,      // lstm_scratch_size(d) workspace
                     const F* xproj,  // (N, 4H) x W + b; may alias gates (in place)
                     const F* U,      // (H, 4H)
                     const F* b,      // (4H) unused (already in xproj); uniform with GRU
                     const F* rmask,  // (B, H) or null
                     RnnDims d) noexcept;

// Runs that continue from a given state (model.cc shares the leading padding of pre-padded
// rows this way). As lstm_forward, lstm_recurrence and lstm_backward, except that:
//  - forward takes h_seq's and c_seq's first B rows as the initial state h_{-1}, c_{-1}
//    (the plain kernels zero them);
//  - backward adds dc_seq (N, H), when not null, to dL/dc_t of every packed row (a gradient
//    reaching c_t from outside the run, as dh_seq does for h_t), adds step 0's h_{-1} term
//    to dU, and writes dL/dh_{-1} and dL/dc_{-1} (B, H) to dh0 and dc0 when not null.
template <typename F>
void lstm_forward_from(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                       const F* b, const F* rmask, RnnDims d) noexcept;

template <typename F>
void lstm_recurrence_from(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xproj, const F* U,
                          const F* b, const F* rmask, RnnDims d) noexcept;

// The time loop from a given state (as lstm_recurrence_from) on input projections read in
// place by index: packed row p's x_p W + b (4H) is xbase + xindex[p] * 4H, so a per-word
// table's or per-distinct-token projection's rows need no gathering. gates (N, 4H) may be
// null when nothing needs the activated gates (inference).
template <typename F>
void lstm_recurrence_indexed(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xbase,
                             const uint32_t* xindex, const F* U, const F* rmask,
                             RnnDims d) noexcept;

template <typename F>
using LstmBackwardFrom = void(F* dh0, F* dc0, F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch,
                              const F* dh_seq, const F* dc_seq, const F* x, const F* W, const F* U,
                              const F* rmask, const F* h_seq, const F* c_seq, const F* gates,
                              RnnDims d) noexcept;

template <typename F>
void lstm_backward_from(F* dh0, F* dc0, F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch,
                        const F* dh_seq, const F* dc_seq, const F* x, const F* W, const F* U,
                        const F* rmask, const F* h_seq, const F* c_seq, const F* gates,
                        RnnDims d) noexcept;

// One step's pointwise work, exposed for benchmarks and tests.
// z (B, 4H) holds pre-activations on entry and activated gates on exit.
template <typename F>
void lstm_cell_forward(F* h, F* c, F* z, const F* c_prev, size_t B, size_t H) noexcept;

// dz (B, 4H) out: pre-activation gradients; dc (B, H) in: dL/dc_t, out: dL/dc_{t-1}.
// dh (B, H) in: dL/dh_t.
template <typename F>
void lstm_cell_backward(F* dz, F* dc, const F* dh, const F* gates, const F* c, const F* c_prev,
                        size_t B, size_t H) noexcept;

}  // namespace cpu
}  // namespace sentiment::kernels
