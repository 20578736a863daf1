// The cpu:: kernels as the layers' backend (kernels/backend.h).
#include "kernels/backend.h"

#include "kernels/cpu/rnn_packed.h"
#include "kernels/dense.h"
#include "kernels/gru.h"
#include "kernels/simple_rnn.h"

namespace sentiment::kernels {
namespace {

template <typename F>
void cpu_gemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, F alpha, const F* A,
              size_t lda, const F* B, size_t ldb, F beta, F* C, size_t ldc) noexcept {
  gemm<F>(trans_a ? Trans::kYes : Trans::kNo, trans_b ? Trans::kYes : Trans::kNo, M, N, K, alpha, A,
          lda, B, ldb, beta, C, ldc);
}

template <typename F>
Backend<F> make_cpu_backend() {
  return Backend<F>{
      "cpu",
      {cpu::lstm_forward<F>, cpu::gru_forward<F>, cpu::simple_rnn_forward<F>},
      {cpu::lstm_backward<F>, cpu::gru_backward<F>, cpu::simple_rnn_backward<F>},
      {cpu::lstm_recurrence<F>, cpu::gru_recurrence<F>, cpu::simple_rnn_recurrence<F>},
      cpu::lstm_forward_from<F>,
      cpu::lstm_backward_from<F>,
      cpu::lstm_recurrence_indexed<F>,
      cpu::project_inputs<F>,
      cpu_gemm<F>,
      dense_forward<F>,
      dense_backward<F>,
      {cpu::lstm_recurrence_int8, cpu::gru_recurrence_int8, cpu::simple_rnn_recurrence_int8},
  };
}

}  // namespace

template <typename F>
const Backend<F>& backend() noexcept {
  static const Backend<F> cpu = make_cpu_backend<F>();
  return cpu;
}

template const Backend<float>& backend<float>() noexcept;
template const Backend<double>& backend<double>() noexcept;

}  // namespace sentiment::kernels
