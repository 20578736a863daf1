// The per-row products every naive recurrent kernel (LSTM, GRU, SimpleRNN) is made of: a
// pre-activation column, and the input and recurrent gradients of one packed row. Plain loops
// in one fixed order, slow on purpose: this is the oracle's arithmetic, written once.
#pragma once

#include <cmath>
#include <cstddef>

namespace sentiment::kernels::ref {

template <typename F>
F sigmoid(F v) {
  return F(1) / (F(1) + std::exp(-v));
}

// s + sum_i v_i M[i, j] over i < n, in that order: v (n) against column j of M (n, ld).
// With a recurrent dropout mask m (n), v_i m_i takes the place of v_i.
template <typename F>
F add_column_dot(F s, const F* v, const F* M, size_t n, size_t ld, size_t j, const F* m = nullptr) {
  for (size_t i = 0; i < n; ++i) s += v[i] * (m ? m[i] : F(1)) * M[i * ld + j];
  return s;
}

// One packed row whose input projection x_t W has gradient dz (G): dW (E, G) += x_t^T dz,
// and dx_t (E) += dz W^T unless dx_t is null (not wanted).
template <typename F>
void add_input_gradients(F* dx_t, F* dW, const F* xt, const F* W, const F* dz, size_t E, size_t G) {
  for (size_t e = 0; e < E; ++e)
    for (size_t j = 0; j < G; ++j) dW[e * G + j] += xt[e] * dz[j];
  if (dx_t) {
    for (size_t e = 0; e < E; ++e) {
      F s = F(0);
      for (size_t j = 0; j < G; ++j) s += dz[j] * W[e * G + j];
      dx_t[e] += s;
    }
  }
}

// One packed row whose recurrent projection (h_{t-1} m) U has gradient dz (G):
// dU (H, G) += (h_{t-1} m)^T dz, and dh_prev (H) gets (dz U^T) m, what reaches h_{t-1}
// through U: added to what dh_prev holds when `add`, else written. m (H) is the row's
// recurrent dropout mask, or null.
template <typename F>
void add_recurrent_gradients(F* dh_prev, F* dU, const F* hp, const F* m, const F* U, const F* dz,
                             size_t H, size_t G, bool add) {
  for (size_t i = 0; i < H; ++i) {
    F s = F(0);
    for (size_t j = 0; j < G; ++j) s += dz[j] * U[i * G + j];
    const F mi = m ? m[i] : F(1);
    dh_prev[i] = add ? dh_prev[i] + s * mi : s * mi;
    for (size_t j = 0; j < G; ++j) dU[i * G + j] += hp[i] * mi * dz[j];
  }
}

}  // namespace sentiment::kernels::ref
