// The narrow interface through which the layers reach the kernels: one table of functions
// per precision. The layers (src/layers) call kernels only through backend<F>(), so another
// backend (an accelerator, a reduced-precision CPU path) is a new folder that fills the same
// table, not edits across the layers. Today the table is the cpu:: kernels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/lstm.h"
#include "kernels/rnn.h"
#include "kernels/rnn_int8.h"

namespace sentiment::kernels {

template <typename F>
struct Backend {
  const char* name;
  // Indexed by CellType: forward and backward from the zero state, and the time loop alone
  // on a precomputed input projection (kernels/rnn.h gives the shared signatures).
  RnnForward<F>* rnn_forward[3];
  RnnBackward<F>* rnn_backward[3];
  RnnRecurrence<F>* rnn_recurrence[3];
  // LSTM runs that continue from a given state, and the time loop on input projections read
  // by index (kernels/lstm.h).
  RnnForward<F>* lstm_forward_from;
  cpu::LstmBackwardFrom<F>* lstm_backward_from;
  void (*lstm_recurrence_indexed)(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xbase,
                                  const uint32_t* xindex, const F* U, const F* rmask,
                                  RnnDims d) noexcept;
  // out (N, ldo) columns [0, G) = x (N, E) W (E, G) + b (G).
  void (*project_inputs)(F* out, size_t ldo, const F* x, const F* W, const F* b, size_t N, size_t E,
                         size_t G) noexcept;
  // C (M, N) = alpha op(A) op(B) + beta C, row-major (kernels/cpu/gemm.h).
  void (*gemm)(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, F alpha, const F* A,
               size_t lda, const F* B, size_t ldb, F beta, F* C, size_t ldc) noexcept;
  // y (B, O) = x (B, I) w (I, O) + b (O), and its backward (kernels/dense.h).
  void (*dense_forward)(F* y, const F* x, const F* w, const F* b, size_t B, size_t I,
                        size_t O) noexcept;
  void (*dense_backward)(F* dx, F* dw, F* db, const F* dy, const F* x, const F* w, size_t B,
                         size_t I, size_t O) noexcept;
  // Indexed by CellType: inference time loops on int8 recurrent weights (kernels/rnn_int8.h),
  // float activations whatever F is.
  RnnRecurrenceInt8* rnn_recurrence_int8[3];
};

// The backend in use (the cpu:: kernels).
template <typename F>
const Backend<F>& backend() noexcept;

}  // namespace sentiment::kernels
