// Embedding lookup: out[t, n, :] = table[tokens[n, t], :]. The output is time-major so the
// LSTM's input projection reads one contiguous (T*B, E) matrix. Backward scatter-adds.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sentiment::kernels {

struct EmbeddingDims {
  size_t T, B, E;
};

template <typename F>
void embedding_forward(F* out,                 // (T, B, E)
                       const int32_t* tokens,  // (B, T) row-major, values in [0, V)
                       size_t token_stride,    // distance between rows of tokens (>= T)
                       const F* table,         // (V, E)
                       EmbeddingDims d) noexcept;

template <typename F>
void embedding_backward(F* dtable,              // (V, E) accumulated
                        const int32_t* tokens,  // (B, T)
                        size_t token_stride,
                        const F* dout,  // (T, B, E)
                        EmbeddingDims d) noexcept;

}  // namespace sentiment::kernels
