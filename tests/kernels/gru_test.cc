// GRU kernels: the fast kernel against the naive oracle (float and double, packed and not,
// with and without recurrent dropout), packing exactness, finite-difference checks in
// double, and closed-form cases that pin the gate order z, r, h and reset_after semantics.
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
using testing::make_case;

// Float fast vs oracle: the fast kernel uses the vmath approximations (<= 6e-7 absolute) and
// a different summation order; over 7 steps and gradients summed over ~35 rows the measured
// worst case is 5e-7 of the values' scale. 2e-5 leaves headroom (and matches SimpleRNN's);
// a wrong term gives 1e-2 or more.
constexpr double kFloatTolerance = 2e-5;
// Double fast vs oracle, and packing exactness: only summation order differs (BLAS vs
// loops, a GEMM of b_t rows vs of 1 row); measured <= 3e-15.
constexpr double kDoubleTolerance = 1e-11;

const std::vector<size_t> kLengths = {7, 7, 5, 2, 1};

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

// H covers the vector lanes only (8, 16, 64), the scalar tail only (3, 5) and both (13).
TEST(GruFast, MatchesReferenceInFloat) {
  for (bool masked : {false, true})
    for (size_t H : {3u, 8u, 13u, 64u}) {
      testing::expect_fast_matches_ref(make_case<float>(CellType::kGru, 6, 4, 5, H, {}, masked, H),
                                       cpu_kernels<float>(), ref_kernels<float>(), kFloatTolerance);
      testing::expect_fast_matches_ref(
          make_case<float>(CellType::kGru, 0, 0, 5, H, kLengths, masked, 100 + H),
          cpu_kernels<float>(), ref_kernels<float>(), kFloatTolerance);
    }
}

TEST(GruFast, MatchesReferenceInDouble) {
  for (bool masked : {false, true})
    for (size_t H : {5u, 16u}) {
      testing::expect_fast_matches_ref(make_case<double>(CellType::kGru, 6, 3, 4, H, {}, masked, H),
                                       cpu_kernels<double>(), ref_kernels<double>(),
                                       kDoubleTolerance);
      testing::expect_fast_matches_ref(
          make_case<double>(CellType::kGru, 0, 0, 4, H, kLengths, masked, 200 + H),
          cpu_kernels<double>(), ref_kernels<double>(), kDoubleTolerance);
    }
}

TEST(GruGradient, ReferenceMatchesFiniteDifferences) {
  testing::expect_gradients_match(make_case<double>(CellType::kGru, 4, 2, 3, 3, {}, false, 1),
                                  ref_kernels<double>());
  testing::expect_gradients_match(
      make_case<double>(CellType::kGru, 0, 0, 3, 3, {5, 4, 2, 1}, true, 2), ref_kernels<double>());
}

TEST(GruGradient, FastMatchesFiniteDifferences) {
  testing::expect_gradients_match(make_case<double>(CellType::kGru, 4, 2, 3, 3, {}, false, 3),
                                  cpu_kernels<double>());
  testing::expect_gradients_match(
      make_case<double>(CellType::kGru, 0, 0, 3, 3, {5, 4, 2, 1}, true, 4), cpu_kernels<double>());
  testing::expect_gradients_match(make_case<double>(CellType::kGru, 1, 2, 3, 2, {}, true, 5),
                                  cpu_kernels<double>());
}

TEST(GruPacking, PackedBatchEqualsEachRowAlone) {
  for (bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "rmask" : "no rmask");
    const auto c = make_case<double>(CellType::kGru, 0, 0, 4, 6, kLengths, masked, 11);
    testing::expect_packing_exact(c, ref_kernels<double>(), kDoubleTolerance);
    testing::expect_packing_exact(c, cpu_kernels<double>(), kDoubleTolerance);
  }
}

TEST(GruFast, BackwardAccumulates) {
  testing::expect_backward_accumulates(
      make_case<double>(CellType::kGru, 0, 0, 3, 4, {4, 3, 1}, true, 12), cpu_kernels<double>());
  testing::expect_backward_accumulates(
      make_case<double>(CellType::kGru, 0, 0, 3, 4, {4, 3, 1}, true, 12), ref_kernels<double>());
}

// gru_recurrence on a precomputed x W + b_i (how inference calls it) gives what gru_forward
// gives.
TEST(GruFast, RecurrenceOnInputProjectionMatchesForward) {
  const auto c = make_case<double>(CellType::kGru, 0, 0, 4, 5, kLengths, true, 13);
  const auto d = c.dims();
  const size_t N = c.rows(), E = c.E, G = 3 * c.H;
  std::vector<double> xproj(N * G);
  for (size_t r = 0; r < N; ++r)
    for (size_t j = 0; j < G; ++j) {
      double s = c.b[j];
      for (size_t e = 0; e < E; ++e) s += c.x[r * E + e] * c.W[e * G + j];
      xproj[r * G + j] = s;
    }
  testing::RnnRun<double> want;
  want.forward(c, cpu_kernels<double>());
  std::vector<double> h(want.h_seq.size()), gates(want.gates.size());
  std::vector<double> scratch(kernels::gru_scratch_size(d));
  kernels::cpu::gru_recurrence(h.data(), static_cast<double*>(nullptr), gates.data(),
                               scratch.data(), xproj.data(), c.U.data(), c.b.data(), c.mask(), d);
  EXPECT_LT(testing::max_abs_diff(h, want.h_seq), kDoubleTolerance);
  EXPECT_LT(testing::max_abs_diff(gates, want.gates), kDoubleTolerance);
}

double sigmoid(double v) {
  return 1.0 / (1.0 + std::exp(-v));
}

struct GruOut {
  std::vector<double> h, gates;
};

GruOut run_cpu(const std::vector<double>& x, const std::vector<double>& W,
               const std::vector<double>& U, const std::vector<double>& b,
               const std::vector<double>& rmask, RnnDims d) {
  const size_t N = kernels::rnn_packed_rows(d);
  GruOut out{std::vector<double>((d.B + N) * d.H), std::vector<double>(N * 4 * d.H)};
  std::vector<double> scratch(kernels::gru_scratch_size(d));
  kernels::cpu::gru_forward<double>(out.h.data(), nullptr, out.gates.data(), scratch.data(),
                                    x.data(), W.data(), U.data(), b.data(),
                                    rmask.empty() ? nullptr : rmask.data(), d);
  return out;
}

// U = 0, b = 0, one step: z = sigmoid(x Wz), r = sigmoid(x Wr), n = tanh(x Wh) (the reset gate
// multiplies a zero recurrent term), h = (1 - z) n since h_{-1} = 0.
TEST(GruStructure, ZeroRecurrenceOneStepIsClosedForm) {
  const RnnDims d{1, 2, 2, 2};
  const std::vector<double> x = {0.3, -0.7, 1.1, 0.4};
  const std::vector<double> W = {0.5, -0.2, 0.1,  0.8, -0.6, 0.3,  //
                                 0.2, 0.4,  -0.9, 0.7, 0.1,  -0.5};
  const auto out = run_cpu(x, W, std::vector<double>(12, 0.0), std::vector<double>(12, 0.0), {}, d);
  for (size_t n = 0; n < 2; ++n)
    for (size_t k = 0; k < 2; ++k) {
      auto proj = [&](size_t g) {
        return x[n * 2] * W[g * 2 + k] + x[n * 2 + 1] * W[6 + g * 2 + k];
      };
      const double z = sigmoid(proj(0)), r = sigmoid(proj(1)), nc = std::tanh(proj(2));
      EXPECT_NEAR(out.h[(2 + n) * 2 + k], (1.0 - z) * nc, 1e-12) << n << "," << k;
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
  const auto out =
      run_cpu({0.5}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, brz, brr, brh}, {}, d);
  const double z = sigmoid(brz), r = sigmoid(brr), nc = std::tanh(r * brh);
  EXPECT_NEAR(out.h[1], (1.0 - z) * nc, 1e-12);
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
  const auto out = run_cpu(x, W, U, b, {0.0}, d);
  double h = 0.0;
  for (size_t t = 0; t < d.T; ++t) {
    const double z = sigmoid(x[t] * W[0] + b[0] + b[3]);
    const double r = sigmoid(x[t] * W[1] + b[1] + b[4]);
    const double nc = std::tanh(x[t] * W[2] + b[2] + r * b[5]);
    h = z * h + (1.0 - z) * nc;
    EXPECT_NEAR(out.h[1 + t], h, 1e-12) << "step " << t;
  }
  // Without the mask U must matter: the same inputs give a different state.
  const auto unmasked = run_cpu(x, W, U, b, {}, d);
  EXPECT_GT(std::abs(unmasked.h[d.T] - out.h[d.T]), 1e-3);
}

}  // namespace
}  // namespace sentiment
