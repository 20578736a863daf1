// GEMM through OpenBLAS's CBLAS interface.
#include "kernels/cpu/gemm.h"

#include <cblas.h>

#include <cstdio>
#include <mutex>

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
  static thread_local char name[128];
  const char* core = openblas_get_corename();
  std::snprintf(name, sizeof name, "OpenBLAS (%s)", core ? core : "unknown core");
  return name;
}

}  // namespace sentiment::kernels
