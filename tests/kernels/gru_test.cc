// GRU kernels: the checks every cell gets (rnn_cell_test.cc: fast vs oracle, finite
// differences, packing exactness), run with the GRU's kernels and tolerances, and closed-form
// cases that pin the gate order z, r, h and reset_after semantics.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/gru.h"
#include "rnn_cell_case.h"

namespace sentiment {
namespace {

using kernels::CellType;
using kernels::RnnDims;
using testing::CellKernels;
using testing::RnnCellTest;
using testing::run_forward;

// Float fast vs oracle: the fast kernel uses the vmath approximations (<= 6e-7 absolute) and
// a different summation order; over 7 steps and gradients summed over ~35 rows the measured
// worst case is 5e-7 of the values' scale. 2e-5 leaves headroom (and matches SimpleRNN's);
// a wrong term gives 1e-2 or more.
constexpr double kFloatTolerance = 2e-5;
// Double fast vs oracle, and packing exactness: only summation order differs (BLAS vs
// loops, a GEMM of b_t rows vs of 1 row); measured <= 3e-15.
constexpr double kDoubleTolerance = 1e-11;

template <typename F>
CellKernels<F> ref_kernels() {
  return {CellType::kGru, kernels::ref::gru_forward<F>, kernels::ref::gru_backward<F>,
          kernels::gru_scratch_size};
}

template <typename F>
CellKernels<F> cpu_kernels() {
  return {CellType::kGru, kernels::cpu::gru_forward<F>, kernels::cpu::gru_backward<F>,
          kernels::gru_scratch_size};
}

// The checks every cell gets (rnn_cell_test.cc).
INSTANTIATE_TEST_SUITE_P(Gru, RnnCellTest,
                         ::testing::Values(testing::CellUnderTest{
                             "Gru", cpu_kernels<float>(), ref_kernels<float>(),
                             cpu_kernels<double>(), ref_kernels<double>(),
                             kernels::cpu::gru_recurrence<double>,
                             /*recurrence_in_place=*/false, kFloatTolerance, kDoubleTolerance}));

double sigmoid(double v) {
  return 1.0 / (1.0 + std::exp(-v));
}

// U = 0, b = 0, one step: z = sigmoid(x Wz), r = sigmoid(x Wr), n = tanh(x Wh) (the reset gate
// multiplies a zero recurrent term), h = (1 - z) n since h_{-1} = 0.
TEST(GruStructure, ZeroRecurrenceOneStepIsClosedForm) {
  const RnnDims d{1, 2, 2, 2};
  const std::vector<double> x = {0.3, -0.7, 1.1, 0.4};
  const std::vector<double> W = {0.5, -0.2, 0.1,  0.8, -0.6, 0.3,  //
                                 0.2, 0.4,  -0.9, 0.7, 0.1,  -0.5};
  const auto out = run_forward(cpu_kernels<double>(), d, x, W, std::vector<double>(12, 0.0),
                               std::vector<double>(12, 0.0));
  for (size_t n = 0; n < 2; ++n)
    for (size_t k = 0; k < 2; ++k) {
      auto proj = [&](size_t g) {
        return x[n * 2] * W[g * 2 + k] + x[n * 2 + 1] * W[6 + g * 2 + k];
      };
      const double z = sigmoid(proj(0)), r = sigmoid(proj(1)), nc = std::tanh(proj(2));
      EXPECT_NEAR(out.h_seq[(2 + n) * 2 + k], (1.0 - z) * nc, 1e-12) << n << "," << k;
      const double* a = out.gates.data() + n * 8;
      EXPECT_NEAR(a[k], z, 1e-12);
      EXPECT_NEAR(a[2 + k], r, 1e-12);
      EXPECT_NEAR(a[4 + k], nc, 1e-12);
      EXPECT_NEAR(a[6 + k], 0.0, 1e-12);
    }
}

// reset_after=True: the reset gate scales the recurrent term *with* its bias, so with W = U = 0
// and b_i = 0 the candidate is tanh(r * b_rh), r = sigmoid(b_rr), z = sigmoid(b_rz). With
// reset_after=False (or a swapped gate order) the candidate would be tanh(b_h) instead.
TEST(GruStructure, ResetGateScalesRecurrentBias) {
  const RnnDims d{1, 1, 1, 1};
  const double brz = 0.4, brr = -1.3, brh = 0.9;
  const auto out = run_forward<double>(cpu_kernels<double>(), d, {0.5}, {0.0, 0.0, 0.0},
                                       {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, brz, brr, brh});
  const double z = sigmoid(brz), r = sigmoid(brr), nc = std::tanh(r * brh);
  EXPECT_NEAR(out.h_seq[1], (1.0 - z) * nc, 1e-12);
  EXPECT_NEAR(out.gates[0], z, 1e-12);
  EXPECT_NEAR(out.gates[1], r, 1e-12);
  EXPECT_NEAR(out.gates[2], nc, 1e-12);
  EXPECT_NEAR(out.gates[3], brh, 1e-12);
}

// A zero recurrent dropout mask cuts U out, but the carried state still flows through
// h_t = z h_{t-1} + (1 - z) n: with z_t and n_t then depending on x_t alone, the closed form
// is the scalar recurrence below.
TEST(GruStructure, ZeroMaskKeepsCarriedState) {
  const RnnDims d{4, 1, 1, 1};
  const std::vector<double> x = {0.6, -0.4, 1.2, 0.1}, W = {0.7, -0.5, 1.3};
  const std::vector<double> U = {2.0, -1.5, 0.8}, b = {0.1, 0.2, -0.3, 0.4, -0.2, 0.5};
  const auto out = run_forward(cpu_kernels<double>(), d, x, W, U, b, {0.0});
  double h = 0.0;
  for (size_t t = 0; t < d.T; ++t) {
    const double z = sigmoid(x[t] * W[0] + b[0] + b[3]);
    const double r = sigmoid(x[t] * W[1] + b[1] + b[4]);
    const double nc = std::tanh(x[t] * W[2] + b[2] + r * b[5]);
    h = z * h + (1.0 - z) * nc;
    EXPECT_NEAR(out.h_seq[1 + t], h, 1e-12) << "step " << t;
  }
  // Without the mask U must matter: the same inputs give a different state.
  const auto unmasked = run_forward(cpu_kernels<double>(), d, x, W, U, b);
  EXPECT_GT(std::abs(unmasked.h_seq[d.T] - out.h_seq[d.T]), 1e-3);
}

}  // namespace
}  // namespace sentiment
