// LSTM kernels: finite-difference checks of both implementations in double, the fast
// kernel against the naive oracle in float, and closed-form structural cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "kernels/cpu/lstm_step.h"
#include "kernels/lstm.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using kernels::LstmDims;
using testing::kGradientTolerance;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

// Float forward/backward of the fast kernel agree with the oracle to within accumulated
// rounding: ~1e-6 relative per operation over T = 7 steps; the fast kernel also uses the
// vmath approximations (<= 6e-7 absolute), so 2e-5 absolute leaves headroom.
constexpr double kFastVsRefTolerance = 2e-5;

template <typename F>
struct LstmCase {
  LstmDims d;
  std::vector<F> x, W, U, b, proj;  // proj (B, H): loss = sum(proj * h_T)

  LstmCase(LstmDims dims, uint64_t seed) : d(dims) {
    Rng rng(seed);
    auto fill = [&](std::vector<F>& v, size_t n, double scale) {
      v.resize(n);
      for (auto& e : v) e = static_cast<F>(rng.uniform(-scale, scale));
    };
    fill(x, d.T * d.B * d.E, 1.0);
    fill(W, d.E * 4 * d.H, 0.5);
    fill(U, d.H * 4 * d.H, 0.5);
    fill(b, 4 * d.H, 0.5);
    fill(proj, d.B * d.H, 1.0);
  }
};

template <typename F, bool kFast>
struct LstmRun {
  std::vector<F> h_seq, c_seq, gates, dgates, scratch, dx, dW, dU, db;

  F forward(const LstmCase<F>& c) {
    const auto& d = c.d;
    scratch.assign(kernels::lstm_scratch_size(d.B, d.H), F(0));
    h_seq.assign((d.T + 1) * d.B * d.H, F(0));
    c_seq.assign((d.T + 1) * d.B * d.H, F(0));
    gates.assign(d.T * d.B * 4 * d.H, F(0));
    if constexpr (kFast)
      kernels::cpu::lstm_forward(h_seq.data(), c_seq.data(), gates.data(), scratch.data(),
                                 c.x.data(), c.W.data(), c.U.data(), c.b.data(), d);
    else
      kernels::ref::lstm_forward(h_seq.data(), c_seq.data(), gates.data(), scratch.data(),
                                 c.x.data(), c.W.data(), c.U.data(), c.b.data(), d);
    F loss = F(0);
    const F* h_last = h_seq.data() + d.T * d.B * d.H;
    for (size_t k = 0; k < d.B * d.H; ++k) loss += c.proj[k] * h_last[k];
    return loss;
  }

  void backward(const LstmCase<F>& c) {
    const auto& d = c.d;
    dgates.assign(d.T * d.B * 4 * d.H, F(0));
    scratch.assign(kernels::lstm_scratch_size(d.B, d.H), F(0));
    dx.assign(c.x.size(), F(0));
    dW.assign(c.W.size(), F(0));
    dU.assign(c.U.size(), F(0));
    db.assign(c.b.size(), F(0));
    auto fn = kFast ? kernels::cpu::lstm_backward<F> : kernels::ref::lstm_backward<F>;
    fn(dx.data(), dW.data(), dU.data(), db.data(), dgates.data(), scratch.data(), c.proj.data(),
       c.x.data(), c.W.data(), c.U.data(), h_seq.data(), c_seq.data(), gates.data(), d);
  }
};

template <bool kFast>
void check_gradients(LstmDims dims) {
  LstmCase<double> c(dims, 42);
  LstmRun<double, kFast> run;
  run.forward(c);
  run.backward(c);
  auto loss = [&] { return LstmRun<double, kFast>().forward(c); };
  EXPECT_LT(relative_error(run.dx, numeric_gradient(c.x, loss)), kGradientTolerance) << "dx";
  EXPECT_LT(relative_error(run.dW, numeric_gradient(c.W, loss)), kGradientTolerance) << "dW";
  EXPECT_LT(relative_error(run.dU, numeric_gradient(c.U, loss)), kGradientTolerance) << "dU";
  EXPECT_LT(relative_error(run.db, numeric_gradient(c.b, loss)), kGradientTolerance) << "db";
}

TEST(LstmGradient, ReferenceMatchesFiniteDifferences) {
  check_gradients<false>({5, 3, 4, 3});
}

TEST(LstmGradient, FastMatchesFiniteDifferences) {
  check_gradients<true>({6, 2, 3, 4});
}

TEST(LstmGradient, FastMatchesFiniteDifferencesSingleStep) {
  check_gradients<true>({1, 2, 3, 2});
}

void expect_fast_matches_reference(LstmDims d) {
  SCOPED_TRACE(::testing::Message() << "T " << d.T << " B " << d.B << " E " << d.E << " H " << d.H);
  LstmCase<float> c(d, 7 + d.B + d.H);
  LstmRun<float, false> ref;
  LstmRun<float, true> fast;
  ref.forward(c);
  fast.forward(c);
  EXPECT_LT(testing::max_abs_diff(ref.h_seq, fast.h_seq), kFastVsRefTolerance);
  EXPECT_LT(testing::max_abs_diff(ref.c_seq, fast.c_seq), kFastVsRefTolerance);
  EXPECT_LT(testing::max_abs_diff(ref.gates, fast.gates), kFastVsRefTolerance);
  ref.backward(c);
  fast.backward(c);
  EXPECT_LT(testing::max_abs_diff(ref.dx, fast.dx), kFastVsRefTolerance);
  EXPECT_LT(testing::max_abs_diff(ref.dW, fast.dW), kFastVsRefTolerance);
  EXPECT_LT(testing::max_abs_diff(ref.dU, fast.dU), kFastVsRefTolerance);
  EXPECT_LT(testing::max_abs_diff(ref.db, fast.db), kFastVsRefTolerance);
}

// Shapes chosen to hit every path of the fused step kernels: full row blocks and row tails
// (B not a multiple of 3, 4 or 6), one to four unit blocks (H = 16 .. 64 with AVX2, 32 and
// 64 with AVX-512), and H the fused kernels do not take (8, 12: the GEMM + cell path).
TEST(LstmFast, MatchesReferenceInFloat) {
  for (size_t B : {1u, 5u, 7u, 13u})
    for (size_t H : {8u, 12u, 16u, 32u, 48u, 64u}) expect_fast_matches_reference({6, B, 5, H});
  std::printf("fused step variant: %s\n", kernels::cpu::lstm_step_variant());
}

TEST(LstmFast, BackwardAccumulates) {
  const LstmDims d{3, 2, 3, 2};
  LstmCase<double> c(d, 9);
  LstmRun<double, true> run;
  run.forward(c);
  run.backward(c);
  const auto dW_once = run.dW;
  kernels::cpu::lstm_backward(run.dx.data(), run.dW.data(), run.dU.data(), run.db.data(),
                              run.dgates.data(), run.scratch.data(), c.proj.data(), c.x.data(),
                              c.W.data(), c.U.data(), run.h_seq.data(), run.c_seq.data(),
                              run.gates.data(), d);
  for (size_t k = 0; k < dW_once.size(); ++k) EXPECT_NEAR(run.dW[k], 2 * dW_once[k], 1e-12);
}

// With W = U = 0 every step sees the same gates sigmoid(b_i), sigmoid(b_f), tanh(b_g),
// sigmoid(b_o), so c_t = f c_{t-1} + i g has the closed form i g (1 - f^(t+1)) / (1 - f).
TEST(LstmStructure, ZeroWeightsGiveClosedFormCell) {
  const LstmDims d{6, 1, 2, 1};
  std::vector<double> x(d.T * d.E, 0.3), W(d.E * 4, 0.0), U(4, 0.0), b = {0.2, 0.7, -0.4, 1.1};
  std::vector<double> h((d.T + 1) * d.H), c((d.T + 1) * d.H), gates(d.T * 4);
  std::vector<double> scratch(kernels::lstm_scratch_size(d.B, d.H));
  kernels::cpu::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), d);
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const double i = sig(0.2), f = sig(0.7), g = std::tanh(-0.4), o = sig(1.1);
  for (size_t t = 0; t < d.T; ++t) {
    const double expected_c = i * g * (1.0 - std::pow(f, static_cast<double>(t + 1))) / (1.0 - f);
    EXPECT_NEAR(c[t + 1], expected_c, 1e-12) << "step " << t;
    EXPECT_NEAR(h[t + 1], o * std::tanh(expected_c), 1e-12) << "step " << t;
  }
}

// Gate order i, f, g, o: a large forget-gate bias alone (others saturated shut) keeps the
// cell at zero, while opening only the input and output gates writes tanh(b_g).
TEST(LstmStructure, GateOrderIsInputForgetCellOutput) {
  const LstmDims d{1, 1, 1, 1};
  std::vector<double> x = {0.0}, W(4, 0.0), U(4, 0.0);
  std::vector<double> h(2), c(2), gates(4), scratch(kernels::lstm_scratch_size(1, 1));
  std::vector<double> b = {30.0, -30.0, 0.5, 30.0};  // i open, f shut, g = tanh(0.5), o open
  kernels::cpu::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), d);
  EXPECT_NEAR(c[1], std::tanh(0.5), 1e-9);
  EXPECT_NEAR(gates[0], 1.0, 1e-9);
  EXPECT_NEAR(gates[1], 0.0, 1e-9);
  EXPECT_NEAR(gates[2], std::tanh(0.5), 1e-12);
  b = {-30.0, 30.0, 0.5, 30.0};  // input gate shut: nothing written
  kernels::cpu::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), d);
  EXPECT_NEAR(c[1], 0.0, 1e-9);
}

}  // namespace
}  // namespace sentiment
