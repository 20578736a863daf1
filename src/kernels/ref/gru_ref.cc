// Naive GRU forward and backward: scalar loops straight from the equations in kernels/gru.h,
// one packed row at a time. Slow on purpose; it is the oracle the fast kernels are tested
// against.
#include <cmath>

#include "kernels/gru.h"
#include "kernels/ref/rnn_ref.h"

namespace sentiment::kernels::ref {

template <typename F>
void gru_forward(F* h_seq, F* /*c_seq*/, F* gates, F* /*scratch*/, const F* x, const F* W,
                 const F* U, const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H, G = 3 * H;
  const F* bi = b;
  const F* br = b + G;
  for (size_t k = 0; k < B * H; ++k) h_seq[k] = F(0);
  size_t off = 0;  // first packed row of step t
  for (size_t t = 0; t < d.T; ++t) {
    const size_t bt = rnn_rows(d, t), prev = rnn_prev_state_row(d, t, off);
    for (size_t n = 0; n < bt; ++n) {
      const F* xt = x + (off + n) * E;
      const F* hp = h_seq + (prev + n) * H;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* a = gates + (off + n) * 4 * H;
      F* h = h_seq + (B + off + n) * H;
      for (size_t k = 0; k < H; ++k) {
        F xp[3], hq[3];
        for (size_t g = 0; g < 3; ++g) {
          const size_t j = g * H + k;
          xp[g] = add_column_dot(bi[j], xt, W, E, G, j);
          hq[g] = add_column_dot(br[j], hp, U, H, G, j, m);
        }
        const F z = sigmoid(xp[0] + hq[0]), r = sigmoid(xp[1] + hq[1]);
        const F nc = std::tanh(xp[2] + r * hq[2]);
        a[k] = z, a[H + k] = r, a[2 * H + k] = nc, a[3 * H + k] = hq[2];
        h[k] = z * hp[k] + (F(1) - z) * nc;
      }
    }
    off += bt;
  }
}

template <typename F>
void gru_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq, const F* x,
                  const F* W, const F* U, const F* rmask, const F* h_seq, const F* /*c_seq*/,
                  const F* gates, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H, G = 3 * H;
  // carry: dL/dh_t from the later steps, per row. A row enters the backward walk at its last
  // step with a zero carry, and each row's update only reads its own entries.
  F* carry = scratch;
  F* dproj = scratch + B * H;  // (3H): one row's [dz, dr, dn], the input projection's gradient
  for (size_t k = 0; k < B * H; ++k) carry[k] = F(0);
  size_t off = rnn_packed_rows(d);
  for (size_t t = d.T; t-- > 0;) {
    const size_t bt = rnn_rows(d, t);
    off -= bt;
    const size_t prev = rnn_prev_state_row(d, t, off);
    for (size_t n = 0; n < bt; ++n) {
      const F* a = gates + (off + n) * 4 * H;
      const F* hp = h_seq + (prev + n) * H;
      const F* dhs = dh_seq + (off + n) * H;
      const F* xt = x + (off + n) * E;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* dg = dgates + (off + n) * G;
      F* c = carry + n * H;
      for (size_t k = 0; k < H; ++k) {
        const F z = a[k], r = a[H + k], nc = a[2 * H + k], hh = a[3 * H + k];
        const F dh = dhs[k] + c[k];
        const F dn = dh * (F(1) - z) * (F(1) - nc * nc);
        dg[k] = dproj[k] = dh * (hp[k] - nc) * z * (F(1) - z);
        dg[H + k] = dproj[H + k] = dn * hh * r * (F(1) - r);
        dg[2 * H + k] = dn * r;
        dproj[2 * H + k] = dn;
        c[k] = dh * z;  // the direct path h_t = z h_{t-1} + ...
      }
      add_recurrent_gradients(c, dU, hp, m, U, dg, H, G, /*add=*/true);
      add_input_gradients(dx ? dx + (off + n) * E : nullptr, dW, xt, W, dproj, E, G);
      for (size_t j = 0; j < G; ++j) db[j] += dproj[j];
      for (size_t j = 0; j < G; ++j) db[G + j] += dg[j];
    }
  }
}

template RnnForward<float> gru_forward<float>;
template RnnForward<double> gru_forward<double>;
template RnnBackward<float> gru_backward<float>;
template RnnBackward<double> gru_backward<double>;

}  // namespace sentiment::kernels::ref
