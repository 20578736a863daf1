// What the cpu:: LSTM, GRU and SimpleRNN kernels share around their time loops, over the
// packed layout of kernels/rnn.h: the input projection of all N packed rows as one GEMM
// before the loop, and the bias gradient as column sums over the packed rows after it.
#pragma once

#include <algorithm>
#include <cstddef>

#include "kernels/cpu/gemm.h"

namespace sentiment::kernels::cpu {

// x W + b for all N packed rows: one (N, E) x (E, G) GEMM accumulated onto the broadcast
// bias. A row stride ldo > G lets a cell project straight into a wider cache (the GRU's
// (N, 4H) gates).
template <typename F>
void project_inputs(F* out,      // (N, ldo) out: columns [0, G)
                    size_t ldo,  // out's row stride, >= G
                    const F* x,  // (N, E)
                    const F* W,  // (E, G)
                    const F* b,  // (G)
                    size_t N, size_t E, size_t G) noexcept {
  for (size_t r = 0; r < N; ++r) std::copy(b, b + G, out + r * ldo);
  gemm<F>(Trans::kNo, Trans::kNo, N, G, E, F(1), x, E, W, G, F(1), out, ldo);
}

// db[j] += sum_r a[r, j] for j < G, rows added in order: the bias gradient of a
// pre-activation whose gradient a holds for every packed row.
template <typename F>
void add_column_sums(F* db,       // (G) accumulated
                     const F* a,  // (N, lda): columns [0, G) are read
                     size_t lda, size_t N, size_t G) noexcept {
  for (size_t r = 0; r < N; ++r) {
    const F* row = a + r * lda;
    for (size_t j = 0; j < G; ++j) db[j] += row[j];
  }
}

}  // namespace sentiment::kernels::cpu
