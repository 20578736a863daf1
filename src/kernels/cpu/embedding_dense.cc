// Embedding gather/scatter, the dense layer and the binary cross-entropy loss. These are
// small next to the LSTM (the dense layer is B*H multiply-adds), so plain loops suffice;
// the inner loops run over contiguous rows and vectorise.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/dense.h"
#include "kernels/embedding.h"

namespace sentiment::kernels {

template <typename F>
void embedding_forward(F* out, const int32_t* tokens, size_t token_stride, const F* table,
                       EmbeddingDims d) noexcept {
  for (size_t t = 0; t < d.T; ++t)
    for (size_t n = 0; n < d.B; ++n) {
      const F* row = table + static_cast<size_t>(tokens[n * token_stride + t]) * d.E;
      std::memcpy(out + (t * d.B + n) * d.E, row, d.E * sizeof(F));
    }
}

template <typename F>
void embedding_backward(F* dtable, const int32_t* tokens, size_t token_stride, const F* dout,
                        EmbeddingDims d) noexcept {
  for (size_t t = 0; t < d.T; ++t)
    for (size_t n = 0; n < d.B; ++n) {
      F* row = dtable + static_cast<size_t>(tokens[n * token_stride + t]) * d.E;
      const F* g = dout + (t * d.B + n) * d.E;
      for (size_t e = 0; e < d.E; ++e) row[e] += g[e];
    }
}

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

template <typename F>
double bce_with_logits(F* dz, const F* z, const F* y, size_t B, F scale) noexcept {
  double total = 0.0;
  for (size_t n = 0; n < B; ++n) {
    const F v = z[n];
    total += std::max(v, F(0)) - v * y[n] + std::log1p(std::exp(-std::abs(v)));
    if (dz) dz[n] = (F(1) / (F(1) + std::exp(-v)) - y[n]) * scale;
  }
  return total;
}

#define SENTIMENT_INSTANTIATE(F)                                                            \
  template void embedding_forward<F>(F*, const int32_t*, size_t, const F*, EmbeddingDims);  \
  template void embedding_backward<F>(F*, const int32_t*, size_t, const F*, EmbeddingDims); \
  template void dense_forward<F>(F*, const F*, const F*, const F*, size_t, size_t, size_t); \
  template void dense_backward<F>(F*, F*, F*, const F*, const F*, const F*, size_t, size_t, \
                                  size_t);                                                  \
  template double bce_with_logits<F>(F*, const F*, const F*, size_t, F);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment::kernels
