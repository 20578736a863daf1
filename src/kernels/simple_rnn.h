// SimpleRNN kernels (Keras SimpleRNN, tanh activation) in the packed layout of
// kernels/rnn.h: ref:: (naive loops, the test oracle) and cpu:: (one GEMM for the input
// projection of all rows, one GEMM plus one vectorised pass per step, weight gradients as
// large GEMMs after the time loop), with identical signatures.
//
// One gate block: W (E, H), U (H, H), b (H). With m the recurrent dropout mask (1 when rmask
// is null):
//   a_t = x_t W + (h_{t-1} * m) U + b        h_t = tanh(a_t),   h_{-1} = 0.
// gates caches the pre-activations a_t (N, H); backward needs only h_t (1 - h_t^2 is the
// derivative of tanh), which it reads from h_seq, so forward never writes the cache twice.
// Backward accumulates into dx, dW, dU, db (callers zero them) and leaves dL/da_t in dgates.
#pragma once

#include <cstddef>

#include "kernels/rnn.h"

namespace sentiment::kernels {

// Workspace of every SimpleRNN kernel below, ref and cpu: B H + N H values (N packed rows).
// Forward uses B H of it (the masked state); backward uses a (B, H) carry of dL/dh_{t-1} and
// the masked h_{t-1} rows (N, H).
inline size_t simple_rnn_scratch_size(const RnnDims& d) {
  return d.B * d.H + rnn_packed_rows(d) * d.H;
}

namespace ref {

template <typename F>
void simple_rnn_forward(F* h_seq,        // (B+N, H) out: B zero rows, then every step's h_t
                        F* c_seq,        // unused, null (no cell state)
                        F* gates,        // (N, H) out: pre-activations a_t
                        F* scratch,      // simple_rnn_scratch_size(d) workspace
                        const F* x,      // (N, E)
                        const F* W,      // (E, H)
                        const F* U,      // (H, H)
                        const F* b,      // (H)
                        const F* rmask,  // (B, H) recurrent dropout mask, or null
                        RnnDims d) noexcept;

template <typename F>
void simple_rnn_backward(F* dx,            // (N, E) accumulated, or null (not wanted)
                         F* dW,            // (E, H) accumulated
                         F* dU,            // (H, H) accumulated
                         F* db,            // (H) accumulated
                         F* dgates,        // (N, H) workspace: dL/da_t
                         F* scratch,       // simple_rnn_scratch_size(d) workspace
                         const F* dh_seq,  // (N, H) dL/dh_t of every packed row, zero if unused
                         const F* x,       // (N, E)
                         const F* W,       // (E, H)
                         const F* U,       // (H, H)
                         const F* rmask,   // (B, H) or null, as in forward
                         const F* h_seq,   // (B+N, H) from forward
                         const F* c_seq,   // unused, null
                         const F* gates,   // (N, H) from forward
                         RnnDims d) noexcept;

}  // namespace ref

namespace cpu {

template <typename F>
void simple_rnn_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W,
                        const F* U, const F* b, const F* rmask, RnnDims d) noexcept;

template <typename F>
void simple_rnn_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq,
                         const F* x, const F* W, const F* U, const F* rmask, const F* h_seq,
                         const F* c_seq, const F* gates, RnnDims d) noexcept;

// The time loop of simple_rnn_forward alone, for callers that already have the input
// projection (inference gathers it from a per-word table). xproj may alias gates.
template <typename F>
void simple_rnn_recurrence(F* h_seq,        // (B+N, H) out
                           F* c_seq,        // unused, null
                           F* gates,        // (N, H) out: pre-activations a_t
                           F* scratch,      // simple_rnn_scratch_size(d) workspace
                           const F* xproj,  // (N, H) x W + b
                           const F* U,      // (H, H)
                           const F* b,      // (H) unused: already in xproj
                           const F* rmask,  // (B, H) or null
                           RnnDims d) noexcept;

}  // namespace cpu
}  // namespace sentiment::kernels
