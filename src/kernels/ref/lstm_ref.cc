// Naive LSTM forward and backward: scalar loops straight from the equations in
// kernels/lstm.h, one packed row and one step at a time. Slow on purpose; it is the oracle
// the fast kernels are tested against.
#include <cmath>

#include "kernels/lstm.h"
#include "kernels/ref/rnn_ref.h"

namespace sentiment::kernels::ref {

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* /*scratch*/, const F* x, const F* W, const F* U,
                  const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  for (size_t k = 0; k < B * H; ++k) h_seq[k] = c_seq[k] = F(0);
  size_t off = 0;  // first packed row of step t
  for (size_t t = 0; t < T; ++t) {
    const size_t bt = rnn_rows(d, t), prev_off = rnn_prev_state_row(d, t, off);
    for (size_t n = 0; n < bt; ++n) {
      const F* xt = x + (off + n) * E;
      const F* hp = h_seq + (prev_off + n) * H;
      const F* cp = c_seq + (prev_off + n) * H;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* z = gates + (off + n) * G;
      for (size_t j = 0; j < G; ++j) {
        const F s = add_column_dot(b[j], xt, W, E, G, j);
        z[j] = add_column_dot(s, hp, U, H, G, j, m);
      }
      F* hn = h_seq + (B + off + n) * H;
      F* cn = c_seq + (B + off + n) * H;
      for (size_t k = 0; k < H; ++k) {
        const F i = sigmoid(z[k]), f = sigmoid(z[H + k]);
        const F g = std::tanh(z[2 * H + k]), o = sigmoid(z[3 * H + k]);
        z[k] = i, z[H + k] = f, z[2 * H + k] = g, z[3 * H + k] = o;
        cn[k] = f * cp[k] + i * g;
        hn[k] = o * std::tanh(cn[k]);
      }
    }
    off += bt;
  }
}

template <typename F>
void lstm_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq, const F* x,
                   const F* W, const F* U, const F* rmask, const F* h_seq, const F* c_seq,
                   const F* gates, RnnDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  F* dh_rec = scratch;      // (B, H): dL/dh_t through step t+1's recurrent term
  F* dc = scratch + B * H;  // (B, H): dL/dc_t from the later steps
  size_t off = rnn_packed_rows(d);
  for (size_t t = T; t-- > 0;) {
    const size_t bt = rnn_rows(d, t);
    const size_t b_next = t + 1 < T ? rnn_rows(d, t + 1) : 0;
    off -= bt;
    const size_t prev_off = rnn_prev_state_row(d, t, off);
    for (size_t n = 0; n < bt; ++n) {
      // Rows without a step t+1 end here: nothing flows back into them from later steps.
      if (n >= b_next)
        for (size_t k = 0; k < H; ++k) dh_rec[n * H + k] = dc[n * H + k] = F(0);
      const F* a = gates + (off + n) * G;
      const F* ct = c_seq + (B + off + n) * H;
      const F* cp = c_seq + (prev_off + n) * H;
      const F* dhs = dh_seq + (off + n) * H;
      F* dz = dgates + (off + n) * G;
      for (size_t k = 0; k < H; ++k) {
        const F i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
        const F tc = std::tanh(ct[k]);
        const F dhk = dhs[k] + dh_rec[n * H + k];
        const F dck = dc[n * H + k] + dhk * o * (F(1) - tc * tc);
        dz[k] = dck * g * i * (F(1) - i);
        dz[H + k] = dck * cp[k] * f * (F(1) - f);
        dz[2 * H + k] = dck * i * (F(1) - g * g);
        dz[3 * H + k] = dhk * tc * o * (F(1) - o);
        dc[n * H + k] = dck * f;
      }
    }
    // dh_{t-1} = (dz U^T) * m; weight gradients for this step, with the masked h_{t-1}.
    for (size_t n = 0; n < bt; ++n) {
      const F* dz = dgates + (off + n) * G;
      const F* hp = h_seq + (prev_off + n) * H;
      const F* xt = x + (off + n) * E;
      const F* m = rmask ? rmask + n * H : nullptr;
      add_recurrent_gradients(dh_rec + n * H, dU, hp, m, U, dz, H, G, /*add=*/false);
      add_input_gradients(dx ? dx + (off + n) * E : nullptr, dW, xt, W, dz, E, G);
      for (size_t j = 0; j < G; ++j) db[j] += dz[j];
    }
  }
}

template RnnForward<float> lstm_forward<float>;
template RnnForward<double> lstm_forward<double>;
template RnnBackward<float> lstm_backward<float>;
template RnnBackward<double> lstm_backward<double>;

}  // namespace sentiment::kernels::ref
