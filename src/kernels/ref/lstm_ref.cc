// Naive LSTM forward and backward: scalar loops straight from the equations in
// kernels/lstm.h. Slow on purpose; it is the oracle the fast kernels are tested against.
#include <cmath>

#include "kernels/lstm.h"

namespace sentiment::kernels::ref {
namespace {

template <typename F>
F sigmoid(F v) {
  return F(1) / (F(1) + std::exp(-v));
}

}  // namespace

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* /*scratch*/, const F* x, const F* W, const F* U,
                  const F* b, LstmDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  for (size_t k = 0; k < B * H; ++k) h_seq[k] = c_seq[k] = F(0);
  for (size_t t = 0; t < T; ++t) {
    for (size_t n = 0; n < B; ++n) {
      const F* xt = x + (t * B + n) * E;
      const F* hp = h_seq + (t * B + n) * H;
      const F* cp = c_seq + (t * B + n) * H;
      F* z = gates + (t * B + n) * G;
      for (size_t j = 0; j < G; ++j) {
        F s = b[j];
        for (size_t e = 0; e < E; ++e) s += xt[e] * W[e * G + j];
        for (size_t k = 0; k < H; ++k) s += hp[k] * U[k * G + j];
        z[j] = s;
      }
      F* hn = h_seq + ((t + 1) * B + n) * H;
      F* cn = c_seq + ((t + 1) * B + n) * H;
      for (size_t k = 0; k < H; ++k) {
        const F i = sigmoid(z[k]), f = sigmoid(z[H + k]);
        const F g = std::tanh(z[2 * H + k]), o = sigmoid(z[3 * H + k]);
        z[k] = i, z[H + k] = f, z[2 * H + k] = g, z[3 * H + k] = o;
        cn[k] = f * cp[k] + i * g;
        hn[k] = o * std::tanh(cn[k]);
      }
    }
  }
}

template <typename F>
void lstm_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_last, const F* x,
                   const F* W, const F* U, const F* h_seq, const F* c_seq, const F* gates,
                   LstmDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  F* dh = scratch;
  F* dc = scratch + B * H;
  for (size_t k = 0; k < B * H; ++k) dh[k] = dh_last[k], dc[k] = F(0);
  for (size_t t = T; t-- > 0;) {
    for (size_t n = 0; n < B; ++n) {
      const F* a = gates + (t * B + n) * G;
      const F* ct = c_seq + ((t + 1) * B + n) * H;
      const F* cp = c_seq + (t * B + n) * H;
      F* dz = dgates + (t * B + n) * G;
      for (size_t k = 0; k < H; ++k) {
        const F i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
        const F tc = std::tanh(ct[k]);
        const F dhk = dh[n * H + k];
        const F dck = dc[n * H + k] + dhk * o * (F(1) - tc * tc);
        dz[k] = dck * g * i * (F(1) - i);
        dz[H + k] = dck * cp[k] * f * (F(1) - f);
        dz[2 * H + k] = dck * i * (F(1) - g * g);
        dz[3 * H + k] = dhk * tc * o * (F(1) - o);
        dc[n * H + k] = dck * f;
      }
    }
    // dh_{t-1} = dz U^T; weight gradients for this step.
    for (size_t n = 0; n < B; ++n) {
      const F* dz = dgates + (t * B + n) * G;
      const F* hp = h_seq + (t * B + n) * H;
      const F* xt = x + (t * B + n) * E;
      for (size_t k = 0; k < H; ++k) {
        F s = F(0);
        for (size_t j = 0; j < G; ++j) s += dz[j] * U[k * G + j];
        dh[n * H + k] = s;
      }
      for (size_t e = 0; e < E; ++e) {
        F s = F(0);
        for (size_t j = 0; j < G; ++j) s += dz[j] * W[e * G + j];
        dx[(t * B + n) * E + e] += s;
      }
      for (size_t k = 0; k < H; ++k)
        for (size_t j = 0; j < G; ++j) dU[k * G + j] += hp[k] * dz[j];
      for (size_t e = 0; e < E; ++e)
        for (size_t j = 0; j < G; ++j) dW[e * G + j] += xt[e] * dz[j];
      for (size_t j = 0; j < G; ++j) db[j] += dz[j];
    }
  }
}

#define SENTIMENT_INSTANTIATE(F)                                                                   \
  template void lstm_forward<F>(F*, F*, F*, F*, const F*, const F*, const F*, const F*, LstmDims); \
  template void lstm_backward<F>(F*, F*, F*, F*, F*, F*, const F*, const F*, const F*, const F*,   \
                                 const F*, const F*, const F*, LstmDims);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment::kernels::ref
