// Naive SimpleRNN forward and backward: scalar loops straight from the equations in
// kernels/simple_rnn.h, one packed row at a time. Slow on purpose; it is the oracle the fast
// kernels are tested against.
#include <cmath>

#include "kernels/ref/rnn_ref.h"
#include "kernels/simple_rnn.h"

namespace sentiment::kernels::ref {

template <typename F>
void simple_rnn_forward(F* h_seq, F* /*c_seq*/, F* gates, F* /*scratch*/, const F* x, const F* W,
                        const F* U, const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H;
  for (size_t k = 0; k < B * H; ++k) h_seq[k] = F(0);
  size_t off = 0;  // first packed row of step t
  for (size_t t = 0; t < d.T; ++t) {
    const size_t bt = rnn_rows(d, t), prev = rnn_prev_state_row(d, t, off);
    for (size_t n = 0; n < bt; ++n) {
      const F* xt = x + (off + n) * E;
      const F* hp = h_seq + (prev + n) * H;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* a = gates + (off + n) * H;
      F* h = h_seq + (B + off + n) * H;
      for (size_t k = 0; k < H; ++k) {
        const F s = add_column_dot(b[k], xt, W, E, H, k);
        a[k] = add_column_dot(s, hp, U, H, H, k, m);
        h[k] = std::tanh(a[k]);
      }
    }
    off += bt;
  }
}

template <typename F>
void simple_rnn_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq,
                         const F* x, const F* W, const F* U, const F* rmask, const F* h_seq,
                         const F* /*c_seq*/, const F* /*gates*/, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H;
  // carry: dL/dh_t from the later steps, per row. A row enters the backward walk at its last
  // step with a zero carry, and each row's update only reads its own entries.
  F* carry = scratch;
  for (size_t k = 0; k < B * H; ++k) carry[k] = F(0);
  size_t off = rnn_packed_rows(d);
  for (size_t t = d.T; t-- > 0;) {
    const size_t bt = rnn_rows(d, t);
    off -= bt;
    const size_t prev = rnn_prev_state_row(d, t, off);
    for (size_t n = 0; n < bt; ++n) {
      const F* h = h_seq + (B + off + n) * H;
      const F* hp = h_seq + (prev + n) * H;
      const F* dhs = dh_seq + (off + n) * H;
      const F* xt = x + (off + n) * E;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* da = dgates + (off + n) * H;
      F* c = carry + n * H;
      for (size_t k = 0; k < H; ++k) da[k] = (dhs[k] + c[k]) * (F(1) - h[k] * h[k]);
      add_recurrent_gradients(c, dU, hp, m, U, da, H, H, /*add=*/false);
      add_input_gradients(dx ? dx + (off + n) * E : nullptr, dW, xt, W, da, E, H);
      for (size_t k = 0; k < H; ++k) db[k] += da[k];
    }
  }
}

template RnnForward<float> simple_rnn_forward<float>;
template RnnForward<double> simple_rnn_forward<double>;
template RnnBackward<float> simple_rnn_backward<float>;
template RnnBackward<double> simple_rnn_backward<double>;

}  // namespace sentiment::kernels::ref
