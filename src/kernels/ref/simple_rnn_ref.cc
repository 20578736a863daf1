// Naive SimpleRNN forward and backward: scalar loops straight from the equations in
// kernels/simple_rnn.h, one packed row at a time. Slow on purpose; it is the oracle the fast
// kernels are tested against.
#include <cmath>

#include "kernels/simple_rnn.h"

namespace sentiment::kernels::ref {

template <typename F>
void simple_rnn_forward(F* h_seq, F* /*c_seq*/, F* gates, F* /*scratch*/, const F* x, const F* W,
                        const F* U, const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H;
  for (size_t k = 0; k < B * H; ++k) h_seq[k] = F(0);
  size_t off = 0, prev = 0;  // first packed row of step t; first h_seq row of h_{t-1}
  for (size_t t = 0; t < d.T; ++t) {
    const size_t bt = rnn_rows(d, t);
    for (size_t n = 0; n < bt; ++n) {
      const F* xt = x + (off + n) * E;
      const F* hp = h_seq + (prev + n) * H;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* a = gates + (off + n) * H;
      F* h = h_seq + (B + off + n) * H;
      for (size_t k = 0; k < H; ++k) {
        F s = b[k];
        for (size_t e = 0; e < E; ++e) s += xt[e] * W[e * H + k];
        for (size_t i = 0; i < H; ++i) s += hp[i] * (m ? m[i] : F(1)) * U[i * H + k];
        a[k] = s;
        h[k] = std::tanh(s);
      }
    }
    prev = B + off;
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
    const size_t prev = t == 0 ? 0 : B + off - rnn_rows(d, t - 1);
    for (size_t n = 0; n < bt; ++n) {
      const F* h = h_seq + (B + off + n) * H;
      const F* hp = h_seq + (prev + n) * H;
      const F* dhs = dh_seq + (off + n) * H;
      const F* xt = x + (off + n) * E;
      const F* m = rmask ? rmask + n * H : nullptr;
      F* da = dgates + (off + n) * H;
      F* c = carry + n * H;
      for (size_t k = 0; k < H; ++k) da[k] = (dhs[k] + c[k]) * (F(1) - h[k] * h[k]);
      for (size_t i = 0; i < H; ++i) {
        F s = F(0);
        for (size_t k = 0; k < H; ++k) s += da[k] * U[i * H + k];
        const F mi = m ? m[i] : F(1);
        c[i] = s * mi;
        for (size_t k = 0; k < H; ++k) dU[i * H + k] += hp[i] * mi * da[k];
      }
      for (size_t e = 0; e < E; ++e)
        for (size_t k = 0; k < H; ++k) dW[e * H + k] += xt[e] * da[k];
      if (dx) {
        for (size_t e = 0; e < E; ++e) {
          F s = F(0);
          for (size_t k = 0; k < H; ++k) s += da[k] * W[e * H + k];
          dx[(off + n) * E + e] += s;
        }
      }
      for (size_t k = 0; k < H; ++k) db[k] += da[k];
    }
  }
}

#define SENTIMENT_INSTANTIATE(F)                                                              \
  template void simple_rnn_forward<F>(F*, F*, F*, F*, const F*, const F*, const F*, const F*, \
                                      const F*, RnnDims);                                     \
  template void simple_rnn_backward<F>(F*, F*, F*, F*, F*, F*, const F*, const F*, const F*,  \
                                       const F*, const F*, const F*, const F*, const F*, RnnDims);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment::kernels::ref
