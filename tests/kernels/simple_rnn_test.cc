// SimpleRNN kernels: the checks every cell gets (rnn_cell_test.cc: fast vs oracle, finite
// differences, packing exactness), run with the SimpleRNN's kernels and tolerances, and
// closed-form one- and two-step cases.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/simple_rnn.h"
#include "rnn_cell_case.h"

namespace sentiment {
namespace {

using kernels::CellType;
using kernels::RnnDims;
using testing::CellKernels;
using testing::RnnCellTest;
using testing::run_forward;

// Float fast vs oracle: vmath tanh (<= 6e-7 absolute) and a different summation order. The
// ungated recurrence amplifies rounding more than the GRU: over 7 steps at H = 64 the
// measured worst case is 5e-6 of the values' scale, so 2e-5; a wrong term gives 1e-2 or more.
constexpr double kFloatTolerance = 2e-5;
// Double fast vs oracle, and packing exactness: only summation order differs; measured
// <= 5e-15.
constexpr double kDoubleTolerance = 1e-11;

template <typename F>
CellKernels<F> ref_kernels() {
  return {CellType::kSimpleRnn, kernels::ref::simple_rnn_forward<F>,
          kernels::ref::simple_rnn_backward<F>, kernels::simple_rnn_scratch_size};
}

template <typename F>
CellKernels<F> cpu_kernels() {
  return {CellType::kSimpleRnn, kernels::cpu::simple_rnn_forward<F>,
          kernels::cpu::simple_rnn_backward<F>, kernels::simple_rnn_scratch_size};
}

// The checks every cell gets (rnn_cell_test.cc).
INSTANTIATE_TEST_SUITE_P(SimpleRnn, RnnCellTest,
                         ::testing::Values(testing::CellUnderTest{
                             "SimpleRnn", cpu_kernels<float>(), ref_kernels<float>(),
                             cpu_kernels<double>(), ref_kernels<double>(),
                             kernels::cpu::simple_rnn_recurrence<double>,
                             /*recurrence_in_place=*/true, kFloatTolerance, kDoubleTolerance}));

// One step: h = tanh(x W + b), whatever U is (h_{-1} = 0).
TEST(SimpleRnnStructure, OneStepIsTanhOfInputProjection) {
  const RnnDims d{1, 2, 2, 3};
  const std::vector<double> x = {0.3, -0.7, 1.1, 0.4};
  const std::vector<double> W = {0.5, -0.2, 0.1, 0.8, -0.6, 0.3}, b = {0.2, -0.1, 0.05};
  const auto h = run_forward(cpu_kernels<double>(), d, x, W, std::vector<double>(9, 0.7), b).h_seq;
  for (size_t n = 0; n < 2; ++n)
    for (size_t k = 0; k < 3; ++k)
      EXPECT_NEAR(h[(2 + n) * 3 + k], std::tanh(x[n * 2] * W[k] + x[n * 2 + 1] * W[3 + k] + b[k]),
                  1e-12);
}

// Two steps, one unit: h_1 = tanh(w x_0 + b), h_2 = tanh(w x_1 + u m h_1 + b).
TEST(SimpleRnnStructure, TwoStepsAreClosedForm) {
  const RnnDims d{2, 1, 1, 1};
  const double w = 0.8, u = -1.7, bias = 0.3, m = 1.0 / 0.7;
  const std::vector<double> x = {0.9, -0.4};
  for (bool masked : {false, true}) {
    const auto h = run_forward<double>(cpu_kernels<double>(), d, x, {w}, {u}, {bias},
                                       masked ? std::vector<double>{m} : std::vector<double>{})
                       .h_seq;
    const double h1 = std::tanh(w * x[0] + bias);
    EXPECT_NEAR(h[1], h1, 1e-12);
    EXPECT_NEAR(h[2], std::tanh(w * x[1] + u * (masked ? m : 1.0) * h1 + bias), 1e-12);
  }
}

// A zero mask cuts the recurrence entirely: every step is tanh(x_t W + b).
TEST(SimpleRnnStructure, ZeroMaskRemovesMemory) {
  const RnnDims d{3, 1, 1, 1};
  const std::vector<double> x = {0.9, -0.4, 0.2};
  const auto h =
      run_forward<double>(cpu_kernels<double>(), d, x, {0.8}, {-1.7}, {0.3}, {0.0}).h_seq;
  for (size_t t = 0; t < d.T; ++t) EXPECT_NEAR(h[1 + t], std::tanh(0.8 * x[t] + 0.3), 1e-12);
}

}  // namespace
}  // namespace sentiment
