// SimpleRNN kernels: the fast kernel against the naive oracle (float and double, packed and
// not, with and without recurrent dropout), packing exactness, finite-difference checks in
// double, and closed-form one- and two-step cases.
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
using testing::make_case;

// Float fast vs oracle: vmath tanh (<= 6e-7 absolute) and a different summation order. The
// ungated recurrence amplifies rounding more than the GRU: over 7 steps at H = 64 the
// measured worst case is 5e-6 of the values' scale, so 2e-5; a wrong term gives 1e-2 or more.
constexpr double kFloatTolerance = 2e-5;
// Double fast vs oracle, and packing exactness: only summation order differs; measured
// <= 5e-15.
constexpr double kDoubleTolerance = 1e-11;

const std::vector<size_t> kLengths = {7, 7, 5, 2, 1};

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

// H covers the vector lanes only (8, 64), a tail after every row (3, 13) and odd row counts.
TEST(SimpleRnnFast, MatchesReferenceInFloat) {
  for (bool masked : {false, true})
    for (size_t H : {3u, 8u, 13u, 64u}) {
      testing::expect_fast_matches_ref(
          make_case<float>(CellType::kSimpleRnn, 6, 3, 5, H, {}, masked, H), cpu_kernels<float>(),
          ref_kernels<float>(), kFloatTolerance);
      testing::expect_fast_matches_ref(
          make_case<float>(CellType::kSimpleRnn, 0, 0, 5, H, kLengths, masked, 100 + H),
          cpu_kernels<float>(), ref_kernels<float>(), kFloatTolerance);
    }
}

TEST(SimpleRnnFast, MatchesReferenceInDouble) {
  for (bool masked : {false, true})
    for (size_t H : {5u, 16u}) {
      testing::expect_fast_matches_ref(
          make_case<double>(CellType::kSimpleRnn, 6, 3, 4, H, {}, masked, H), cpu_kernels<double>(),
          ref_kernels<double>(), kDoubleTolerance);
      testing::expect_fast_matches_ref(
          make_case<double>(CellType::kSimpleRnn, 0, 0, 4, H, kLengths, masked, 200 + H),
          cpu_kernels<double>(), ref_kernels<double>(), kDoubleTolerance);
    }
}

TEST(SimpleRnnGradient, ReferenceMatchesFiniteDifferences) {
  testing::expect_gradients_match(make_case<double>(CellType::kSimpleRnn, 4, 2, 3, 3, {}, false, 1),
                                  ref_kernels<double>());
  testing::expect_gradients_match(
      make_case<double>(CellType::kSimpleRnn, 0, 0, 3, 3, {5, 4, 2, 1}, true, 2),
      ref_kernels<double>());
}

TEST(SimpleRnnGradient, FastMatchesFiniteDifferences) {
  testing::expect_gradients_match(make_case<double>(CellType::kSimpleRnn, 4, 2, 3, 3, {}, false, 3),
                                  cpu_kernels<double>());
  testing::expect_gradients_match(
      make_case<double>(CellType::kSimpleRnn, 0, 0, 3, 3, {5, 4, 2, 1}, true, 4),
      cpu_kernels<double>());
  testing::expect_gradients_match(make_case<double>(CellType::kSimpleRnn, 1, 2, 3, 2, {}, true, 5),
                                  cpu_kernels<double>());
}

TEST(SimpleRnnPacking, PackedBatchEqualsEachRowAlone) {
  for (bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "rmask" : "no rmask");
    const auto c = make_case<double>(CellType::kSimpleRnn, 0, 0, 4, 6, kLengths, masked, 11);
    testing::expect_packing_exact(c, ref_kernels<double>(), kDoubleTolerance);
    testing::expect_packing_exact(c, cpu_kernels<double>(), kDoubleTolerance);
  }
}

TEST(SimpleRnnFast, BackwardAccumulates) {
  const auto c = make_case<double>(CellType::kSimpleRnn, 0, 0, 3, 4, {4, 3, 1}, true, 12);
  testing::expect_backward_accumulates(c, cpu_kernels<double>());
  testing::expect_backward_accumulates(c, ref_kernels<double>());
}

// simple_rnn_recurrence on a precomputed x W + b (how inference calls it), both in its own
// buffer and already in the gates buffer, gives what simple_rnn_forward gives.
TEST(SimpleRnnFast, RecurrenceOnInputProjectionMatchesForward) {
  const auto c = make_case<double>(CellType::kSimpleRnn, 0, 0, 4, 5, kLengths, true, 13);
  const auto d = c.dims();
  const size_t N = c.rows(), E = c.E, H = c.H;
  std::vector<double> xproj(N * H);
  for (size_t r = 0; r < N; ++r)
    for (size_t k = 0; k < H; ++k) {
      double s = c.b[k];
      for (size_t e = 0; e < E; ++e) s += c.x[r * E + e] * c.W[e * H + k];
      xproj[r * H + k] = s;
    }
  testing::RnnRun<double> want;
  want.forward(c, cpu_kernels<double>());
  for (bool aliased : {false, true}) {
    SCOPED_TRACE(aliased ? "xproj in gates" : "xproj apart");
    std::vector<double> h(want.h_seq.size()), gates(xproj.size(), -1.0);
    if (aliased) gates = xproj;
    std::vector<double> scratch(kernels::simple_rnn_scratch_size(d));
    kernels::cpu::simple_rnn_recurrence(h.data(), static_cast<double*>(nullptr), gates.data(),
                                        scratch.data(), aliased ? gates.data() : xproj.data(),
                                        c.U.data(), c.b.data(), c.mask(), d);
    EXPECT_LT(testing::max_abs_diff(h, want.h_seq), kDoubleTolerance);
    EXPECT_LT(testing::max_abs_diff(gates, want.gates), kDoubleTolerance);
  }
}

std::vector<double> run_cpu(const std::vector<double>& x, const std::vector<double>& W,
                            const std::vector<double>& U, const std::vector<double>& b,
                            const std::vector<double>& rmask, RnnDims d) {
  const size_t N = kernels::rnn_packed_rows(d);
  std::vector<double> h((d.B + N) * d.H), gates(N * d.H);
  std::vector<double> scratch(kernels::simple_rnn_scratch_size(d));
  kernels::cpu::simple_rnn_forward<double>(h.data(), nullptr, gates.data(), scratch.data(),
                                           x.data(), W.data(), U.data(), b.data(),
                                           rmask.empty() ? nullptr : rmask.data(), d);
  return h;
}

// One step: h = tanh(x W + b), whatever U is (h_{-1} = 0).
TEST(SimpleRnnStructure, OneStepIsTanhOfInputProjection) {
  const RnnDims d{1, 2, 2, 3};
  const std::vector<double> x = {0.3, -0.7, 1.1, 0.4};
  const std::vector<double> W = {0.5, -0.2, 0.1, 0.8, -0.6, 0.3}, b = {0.2, -0.1, 0.05};
  const auto h = run_cpu(x, W, std::vector<double>(9, 0.7), b, {}, d);
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
    const auto h =
        run_cpu(x, {w}, {u}, {bias}, masked ? std::vector<double>{m} : std::vector<double>{}, d);
    const double h1 = std::tanh(w * x[0] + bias);
    EXPECT_NEAR(h[1], h1, 1e-12);
    EXPECT_NEAR(h[2], std::tanh(w * x[1] + u * (masked ? m : 1.0) * h1 + bias), 1e-12);
  }
}

// A zero mask cuts the recurrence entirely: every step is tanh(x_t W + b).
TEST(SimpleRnnStructure, ZeroMaskRemovesMemory) {
  const RnnDims d{3, 1, 1, 1};
  const std::vector<double> x = {0.9, -0.4, 0.2};
  const auto h = run_cpu(x, {0.8}, {-1.7}, {0.3}, {0.0}, d);
  for (size_t t = 0; t < d.T; ++t) EXPECT_NEAR(h[1 + t], std::tanh(0.8 * x[t] + 0.3), 1e-12);
}

}  // namespace
}  // namespace sentiment
