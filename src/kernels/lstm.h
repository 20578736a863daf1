// LSTM kernels, Keras semantics. Gate order i, f, c (called g below), o in blocks of H
// columns of the (., 4H) gate matrices:
//   z_t = x_t W + h_{t-1} U + b                      (B, 4H)
//   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
//   c_t = f * c_{t-1} + i * g        h_t = o * tanh(c_t),   h_{-1} = c_{-1} = 0.
// Layout is time-major. h_seq and c_seq hold T + 1 slots: slot 0 is the zero initial
// state and slot t + 1 is step t, so h_seq[0..T) is exactly the h_{t-1} operand of every
// step. gates keeps the *activated* gates (i, f, g, o) of every step for backward.
// Backward accumulates into dx, dW, dU, db (callers zero them), as all our kernels do.
// Backward scratch holds lstm_scratch_size(B, H) values.
// Two implementations with identical signatures: ref:: (naive loops, the test oracle) and
// cpu:: (one GEMM for the input projection of all steps, one GEMM plus one fused pointwise
// pass per step, weight gradients as two GEMMs after the time loop).
#pragma once

#include <cstddef>

namespace sentiment::kernels {

struct LstmDims {
  size_t T, B, E, H;
};

inline size_t lstm_scratch_size(size_t B, size_t H) {
  return 2 * B * H + 4 * H * H;
}

namespace ref {

template <typename F>
void lstm_forward(F* h_seq,    // (T+1, B, H) out
                  F* c_seq,    // (T+1, B, H) out
                  F* gates,    // (T, B, 4H) out, activated
                  F* scratch,  // lstm_scratch_size(B, H) workspace (fast path only)
                  const F* x,  // (T, B, E)
                  const F* W,  // (E, 4H)
                  const F* U,  // (H, 4H)
                  const F* b,  // (4H)
                  LstmDims d) noexcept;

template <typename F>
void lstm_backward(F* dx,             // (T, B, E) accumulated
                   F* dW,             // (E, 4H) accumulated
                   F* dU,             // (H, 4H) accumulated
                   F* db,             // (4H) accumulated
                   F* dgates,         // (T, B, 4H) workspace: pre-activation gradients
                   F* scratch,        // lstm_scratch_size(B, H) workspace: dh, dc, packed U^T
                   const F* dh_last,  // (B, H) gradient of the final hidden state
                   const F* x,        // (T, B, E)
                   const F* W,        // (E, 4H)
                   const F* U,        // (H, 4H)
                   const F* h_seq,    // (T+1, B, H) from forward
                   const F* c_seq,    // (T+1, B, H) from forward
                   const F* gates,    // (T, B, 4H) from forward
                   LstmDims d) noexcept;

}  // namespace ref

namespace cpu {

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                  const F* b, LstmDims d) noexcept;

template <typename F>
void lstm_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_last, const F* x,
                   const F* W, const F* U, const F* h_seq, const F* c_seq, const F* gates,
                   LstmDims d) noexcept;

// The time loop of lstm_forward alone, for callers that already have the input projection:
// gates (T, B, 4H) holds x_t W + b on entry (inference gathers it from a per-word table).
template <typename F>
void lstm_recurrence(F* h_seq, F* c_seq, F* gates, F* scratch, const F* U, LstmDims d) noexcept;

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
