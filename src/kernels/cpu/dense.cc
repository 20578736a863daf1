// The dense layer. It is small next to the LSTM (B*H multiply-adds), so plain loops
// suffice; the inner loops run over contiguous rows and vectorise.
#include "kernels/dense.h"

namespace sentiment::kernels {

template <typename F>
void dense_forward(F* y, const F* x, const F* w, const F* b, size_t B, size_t I,
                   size_t O) noexcept {
  for (size_t n = 0; n < B; ++n)
    for (size_t o = 0; o < O; ++o) {
      F s = b[o];
      for (size_t i = 0; i < I; ++i) s += x[n * I + i] * w[i * O + o];
      y[n * O + o] = s;
    }
}

template <typename F>
void dense_backward(F* dx, F* dw, F* db, const F* dy, const F* x, const F* w, size_t B, size_t I,
                    size_t O) noexcept {
  for (size_t n = 0; n < B; ++n)
    for (size_t o = 0; o < O; ++o) {
      const F g = dy[n * O + o];
      db[o] += g;
      for (size_t i = 0; i < I; ++i) {
        dw[i * O + o] += x[n * I + i] * g;
        if (dx) dx[n * I + i] += w[i * O + o] * g;
      }
    }
}

#define SENTIMENT_INSTANTIATE(F)                                                            \
  template void dense_forward<F>(F*, const F*, const F*, const F*, size_t, size_t, size_t); \
  template void dense_backward<F>(F*, F*, F*, const F*, const F*, const F*, size_t, size_t, size_t);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment::kernels
