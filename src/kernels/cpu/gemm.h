// Row-major GEMM: C (M, N) = alpha * op(A) * op(B) + beta * C, with op(A) (M, K) and op(B)
// (K, N); float through oneDNN's sgemm, double through OpenBLAS (gemm.cc says why). The only
// place in the project that calls either.
#pragma once

#include <cstddef>

namespace sentiment::kernels {

enum class Trans : int { kNo = 0, kYes = 1 };

template <typename F>
void gemm(Trans trans_a, Trans trans_b, size_t M, size_t N, size_t K, F alpha, const F* A,
          size_t lda, const F* B, size_t ldb, F beta, F* C, size_t ldc) noexcept;

// The project parallelises over batch shards with its own threads; the GEMM libraries must
// stay single-threaded so no two pools compete for the same cores (and so results do not
// depend on a library's thread count). Pins OpenBLAS; oneDNN is pinned by gemm<float> itself
// in every thread that calls it. Idempotent; called before the first GEMM.
void gemm_use_single_thread() noexcept;

// The GEMM libraries in use and their kernel choice, for benchmarks and run metadata.
const char* gemm_backend_name() noexcept;

}  // namespace sentiment::kernels
