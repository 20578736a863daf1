// Row-major GEMM over the BLAS library: C (M, N) = alpha * op(A) * op(B) + beta * C, with
// op(A) (M, K) and op(B) (K, N). The only place in the project that calls BLAS.
#pragma once

#include <cstddef>

namespace sentiment::kernels {

enum class Trans : int { kNo = 0, kYes = 1 };

template <typename F>
void gemm(Trans trans_a, Trans trans_b, size_t M, size_t N, size_t K, F alpha, const F* A,
          size_t lda, const F* B, size_t ldb, F beta, F* C, size_t ldc) noexcept;

// The project parallelises over batch shards with its own threads; BLAS must stay
// single-threaded so the two never compete for the same cores (and so results do not
// depend on the BLAS thread count). Idempotent; called before the first GEMM.
void gemm_use_single_thread() noexcept;

// Name of the BLAS in use and its core/kernel choice, for --version and benchmarks.
const char* gemm_backend_name() noexcept;

}  // namespace sentiment::kernels
