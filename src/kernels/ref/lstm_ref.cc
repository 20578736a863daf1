// Naive LSTM forward and backward: scalar loops straight from the equations in
// kernels/lstm.h, one packed row and one step at a time. Slow on purpose; it is the oracle
// the fast kernels are tested against.
#include <cmath>

#include "kernels/lstm.h"

namespace sentiment::kernels::ref {
namespace {

template <typename F>
F sigmoid(F v) {
  return F(1) / (F(1) + std::exp(-v));
}

// Recurrent dropout factor of unit k of packed row n; 1 without a mask.
template <typename F>
F mask_at(const F* rmask, size_t n, size_t k, size_t H) {
  return rmask ? rmask[n * H + k] : F(1);
}

}  // namespace

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* /*scratch*/, const F* x, const F* W, const F* U,
                  const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  for (size_t k = 0; k < B * H; ++k) h_seq[k] = c_seq[k] = F(0);
  size_t off = 0;       // first packed row of step t
  size_t prev_off = 0;  // first state row of h_{t-1} in h_seq: the zero block for t = 0
  for (size_t t = 0; t < T; ++t) {
    const size_t bt = rnn_rows(d, t);
    for (size_t n = 0; n < bt; ++n) {
      const F* xt = x + (off + n) * E;
      const F* hp = h_seq + (prev_off + n) * H;
      const F* cp = c_seq + (prev_off + n) * H;
      F* z = gates + (off + n) * G;
      for (size_t j = 0; j < G; ++j) {
        F s = b[j];
        for (size_t e = 0; e < E; ++e) s += xt[e] * W[e * G + j];
        for (size_t k = 0; k < H; ++k) s += hp[k] * mask_at(rmask, n, k, H) * U[k * G + j];
        z[j] = s;
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
    prev_off = B + off;
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
    const size_t prev_off = t == 0 ? 0 : B + off - rnn_rows(d, t - 1);
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
      for (size_t k = 0; k < H; ++k) {
        F s = F(0);
        for (size_t j = 0; j < G; ++j) s += dz[j] * U[k * G + j];
        dh_rec[n * H + k] = s * mask_at(rmask, n, k, H);
      }
      if (dx) {
        for (size_t e = 0; e < E; ++e) {
          F s = F(0);
          for (size_t j = 0; j < G; ++j) s += dz[j] * W[e * G + j];
          dx[(off + n) * E + e] += s;
        }
      }
      for (size_t k = 0; k < H; ++k) {
        const F hm = hp[k] * mask_at(rmask, n, k, H);
        for (size_t j = 0; j < G; ++j) dU[k * G + j] += hm * dz[j];
      }
      for (size_t e = 0; e < E; ++e)
        for (size_t j = 0; j < G; ++j) dW[e * G + j] += xt[e] * dz[j];
      for (size_t j = 0; j < G; ++j) db[j] += dz[j];
    }
  }
}

#define SENTIMENT_INSTANTIATE(F)                                                                  \
  template void lstm_forward<F>(F*, F*, F*, F*, const F*, const F*, const F*, const F*, const F*, \
                                RnnDims);                                                         \
  template void lstm_backward<F>(F*, F*, F*, F*, F*, F*, const F*, const F*, const F*, const F*,  \
                                 const F*, const F*, const F*, const F*, RnnDims);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment::kernels::ref
