// GRU kernels, Keras semantics (reset_after=True, the Keras and cuDNN default), in the packed
// layout of kernels/rnn.h: ref:: (naive loops, the test oracle) and cpu:: (one GEMM for the
// input projection of all rows, one GEMM plus one fused pointwise pass per step, weight
// gradients as large GEMMs after the time loop), with identical signatures.
//
// Gate order z (update), r (reset), h (candidate) in blocks of H columns of W (E, 3H) and
// U (H, 3H); b (6H) is the input bias b_i (3H) then the recurrent bias b_r (3H). With m the
// recurrent dropout mask (1 when rmask is null):
//   [xz, xr, xh] = x_t W + b_i                      [hz, hr, hh] = (h_{t-1} * m) U + b_r
//   z = sigmoid(xz + hz)   r = sigmoid(xr + hr)   n = tanh(xh + r * hh)
//   h_t = z * h_{t-1} + (1 - z) * n                 (h_{t-1} unmasked here), h_{-1} = 0.
// The reset gate scales the recurrent term hh *after* the product with U, bias included.
// gates caches, per packed row, [z, r, n, hh] (N, 4H): hh is what the reset gate multiplied,
// which backward needs for dr and cannot recover from z, r and n.
// Backward accumulates into dx, dW, dU, db (callers zero them). With dz, dr, dn the gradients
// of the pre-activations xz + hz, xr + hr, xh + r hh, the input projection's gradient is
// [dz, dr, dn] and the recurrent projection's [dz, dr, r dn]; dgates (N, 3H) is left holding
// the latter, what U and b_r see.
#pragma once

#include <cstddef>

#include "kernels/rnn.h"

namespace sentiment::kernels {

// Workspace of every GRU kernel below, ref and cpu: 2 B H + 2 N H values (N packed rows).
// Forward uses 4 B H of it (the step's recurrent projection and masked state); backward uses
// two (B, H) carries of dL/dh_{t-1}, dL/dxh (N, H) and the masked h_{t-1} rows (N, H).
inline size_t gru_scratch_size(const RnnDims& d) {
  return 2 * d.B * d.H + 2 * rnn_packed_rows(d) * d.H;
}

namespace ref {

template <typename F>
void gru_forward(F* h_seq,        // (B+N, H) out: B zero rows, then every step's h_t, packed
                 F* c_seq,        // unused, null (no cell state)
                 F* gates,        // (N, 4H) out: z, r, n, hh
                 F* scratch,      // gru_scratch_size(d) workspace
                 const F* x,      // (N, E)
                 const F* W,      // (E, 3H)
                 const F* U,      // (H, 3H)
                 const F* b,      // (6H): b_i (3H), b_r (3H)
                 const F* rmask,  // (B, H) recurrent dropout mask, or null
                 RnnDims d) noexcept;

template <typename F>
void gru_backward(F* dx,            // (N, E) accumulated, or null (not wanted)
                  F* dW,            // (E, 3H) accumulated
                  F* dU,            // (H, 3H) accumulated
                  F* db,            // (6H) accumulated
                  F* dgates,        // (N, 3H) workspace: gradients of [hz, hr, hh]
                  F* scratch,       // gru_scratch_size(d) workspace
                  const F* dh_seq,  // (N, H) dL/dh_t of every packed row, zero where unused
                  const F* x,       // (N, E)
                  const F* W,       // (E, 3H)
                  const F* U,       // (H, 3H)
                  const F* rmask,   // (B, H) or null, as in forward
                  const F* h_seq,   // (B+N, H) from forward
                  const F* c_seq,   // unused, null
                  const F* gates,   // (N, 4H) from forward
                  RnnDims d) noexcept;

}  // namespace ref

namespace cpu {

template <typename F>
void gru_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                 const F* b, const F* rmask, RnnDims d) noexcept;

template <typename F>
void gru_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq, const F* x,
                  const F* W, const F* U, const F* rmask, const F* h_seq, const F* c_seq,
                  const F* gates, RnnDims d) noexcept;

// The time loop of gru_forward alone, for callers that already have the input projection
// (inference gathers it from a per-word table). xproj must not alias gates.
template <typename F>
void gru_recurrence(F* h_seq,        // (B+N, H) out
                    F* c_seq,        // unused, null
                    F* gates,        // (N, 4H) out: z, r, n, hh
                    F* scratch,      // gru_scratch_size(d) workspace
                    const F* xproj,  // (N, 3H) x W + b_i
                    const F* U,      // (H, 3H)
                    const F* b,      // (6H) full bias; only b_r is read
                    const F* rmask,  // (B, H) or null
                    RnnDims d) noexcept;

}  // namespace cpu
}  // namespace sentiment::kernels
