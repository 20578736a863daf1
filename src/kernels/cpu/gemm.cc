// GEMM: float through oneDNN's sgemm, double (gradient checks, tests) through OpenBLAS's
// CBLAS interface.
//
// Why oneDNN for float: it picks its kernels from the CPU's features at run time, so the large
// GEMMs run AVX-512 kernels where the CPU has them whatever OPENBLAS_CORETYPE says (Debian's
// OpenBLAS 0.3.21 runs AVX2 kernels on newer CPUs, and that variable forces them anywhere).
// On the project's AVX2 machine the two tie end to end, though oneDNN is 7-21% faster at the
// LSTM's shapes in isolation (bench/compare_blas.sh, bench/README.md). Its CPU runtime is
// OpenMP: every calling thread holds it to one thread, so it never competes with the
// project's own pool, and a GEMM's result never depends on a thread count.
#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <cstdio>
#include <mutex>

#include <oneapi/dnnl/dnnl.h>

namespace sentiment::kernels {
namespace {

CBLAS_TRANSPOSE to_cblas(Trans t) {
  return t == Trans::kYes ? CblasTrans : CblasNoTrans;
}

}  // namespace

template <>
void gemm<float>(Trans trans_a, Trans trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float* A, size_t lda, const float* B, size_t ldb, float beta, float* C,
                 size_t ldc) noexcept {
  thread_local bool one_thread = false;
  if (!one_thread) {
    omp_set_num_threads(1);  // this thread's OpenMP teams: oneDNN then runs on it alone
    one_thread = true;
  }
  if (M == 0 || N == 0) return;
  if (K == 0) {  // C = beta C, as BLAS defines it (oneDNN leaves C alone)
    for (size_t i = 0; i < M; ++i)
      for (size_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  const auto d = [](size_t v) { return static_cast<dnnl_dim_t>(v); };
  if (dnnl_sgemm(trans_a == Trans::kYes ? 'T' : 'N', trans_b == Trans::kYes ? 'T' : 'N', d(M), d(N),
                 d(K), alpha, A, d(lda), B, d(ldb), beta, C, d(ldc)) == dnnl_success)
    return;
  // oneDNN refuses shapes it cannot run (invalid leading dimensions, which no caller passes):
  // CBLAS then reports them as BLAS does.
  cblas_sgemm(CblasRowMajor, to_cblas(trans_a), to_cblas(trans_b), static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), alpha, A, static_cast<blasint>(lda),
              B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

template <>
void gemm<double>(Trans trans_a, Trans trans_b, size_t M, size_t N, size_t K, double alpha,
                  const double* A, size_t lda, const double* B, size_t ldb, double beta, double* C,
                  size_t ldc) noexcept {
  cblas_dgemm(CblasRowMajor, to_cblas(trans_a), to_cblas(trans_b), static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), alpha, A, static_cast<blasint>(lda),
              B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

void gemm_use_single_thread() noexcept {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

const char* gemm_backend_name() noexcept {
  static thread_local char name[160];
  const char* core = openblas_get_corename();
  const dnnl_version_t* v = dnnl_version();
  // The ISA values are bit sets, each containing the ones below it.
  const auto has = [isa = static_cast<unsigned>(dnnl_get_effective_cpu_isa())](dnnl_cpu_isa_t i) {
    return (isa & static_cast<unsigned>(i)) == static_cast<unsigned>(i);
  };
  const char* isa = has(dnnl_cpu_isa_avx512_core) ? ", avx512"
                    : has(dnnl_cpu_isa_avx2)      ? ", avx2"
                                                  : "";
  std::snprintf(name, sizeof name, "oneDNN %d.%d.%d sgemm%s; OpenBLAS (%s) for double", v->major,
                v->minor, v->patch, isa, core ? core : "unknown core");
  return name;
}

}  // namespace sentiment::kernels
