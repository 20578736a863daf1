// The int8 product in plain loops over the unpacked weights: the oracle for cpu::int8_gemm.
#include <cmath>

#include "kernels/int8.h"

namespace sentiment::kernels::ref {

void int8_gemm(float* C, size_t ldc, const float* A, size_t lda, const Int8Matrix& W, size_t M,
               float beta, int16_t* qa, float* sa) noexcept {
  const size_t K = W.K, N = W.N, Kp = 2 * int8_pairs(K);
  for (size_t m = 0; m < M; ++m) sa[m] = int8_quantize_row(qa + m * Kp, A + m * lda, K);
  for (size_t m = 0; m < M; ++m) {
    const int16_t* a = qa + m * Kp;
    for (size_t n = 0; n < N; ++n) {
      int32_t acc = 0;
      for (size_t k = 0; k < K; ++k) acc += int32_t{a[k]} * int32_t{W.q[k * N + n]};
      float& c = C[m * ldc + n];
      c = std::fma(static_cast<float>(acc), sa[m] * W.scale[n], beta == 0.0f ? 0.0f : beta * c);
    }
  }
}

}  // namespace sentiment::kernels::ref
