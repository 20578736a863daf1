// LSTM kernels: finite-difference checks of both implementations in double (plain and
// packed, with and without a recurrent dropout mask), the fast kernel against the naive
// oracle in float and double, packing against row-by-row runs, and closed-form cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "kernels/cpu/lstm_step.h"
#include "kernels/lstm.h"
#include "lstm_case.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using kernels::RnnDims;
using namespace testing;  // the LSTM cases of lstm_case.h
using testing::kGradientTolerance;
using testing::max_abs_diff;
using testing::numeric_gradient;
using testing::relative_error;

template <bool kFast>
void check_gradients(const Shape& shape) {
  SCOPED_TRACE(describe(shape));
  LstmCase<double> c(shape, 42);
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
  check_gradients<false>(plain(5, 3, 4, 3));
}

TEST(LstmGradient, FastMatchesFiniteDifferences) {
  check_gradients<true>(plain(6, 2, 3, 4));
}

TEST(LstmGradient, FastMatchesFiniteDifferencesSingleStep) {
  check_gradients<true>(plain(1, 2, 3, 2));
}

TEST(LstmGradient, ReferenceMatchesFiniteDifferencesPackedMaskedEveryStep) {
  check_gradients<false>(packed(true));
}

TEST(LstmGradient, FastMatchesFiniteDifferencesPackedMaskedEveryStep) {
  check_gradients<true>(packed(true));
}

TEST(LstmGradient, FastMatchesFiniteDifferencesPackedEveryStep) {
  check_gradients<true>(packed(false));
}

TEST(LstmGradient, FastMatchesFiniteDifferencesMaskedEveryStep) {
  Shape s = plain(4, 3, 2, 3, Loss::kEveryStep);
  s.masked = true;
  check_gradients<true>(s);
}

template <typename F>
void expect_fast_matches_reference(const Shape& shape, double tolerance) {
  SCOPED_TRACE(describe(shape));
  LstmCase<F> c(shape, 7 + shape.B + shape.H);
  LstmRun<F, false> ref;
  LstmRun<F, true> fast;
  ref.forward(c);
  fast.forward(c);
  auto expect_close = [&](const std::vector<F>& r, const std::vector<F>& f, const char* what) {
    EXPECT_LT(max_abs_diff(r, f), tolerance * scale_of(r)) << what;
  };
  expect_close(ref.h_seq, fast.h_seq, "h_seq");
  expect_close(ref.c_seq, fast.c_seq, "c_seq");
  expect_close(ref.gates, fast.gates, "gates");
  ref.backward(c);
  fast.backward(c);
  expect_close(ref.dx, fast.dx, "dx");
  expect_close(ref.dW, fast.dW, "dW");
  expect_close(ref.dU, fast.dU, "dU");
  expect_close(ref.db, fast.db, "db");
}

// Lengths for a batch of B rows over 6 steps: the first row full, the rest descending.
std::vector<size_t> descending_lengths(size_t B) {
  std::vector<size_t> lengths(B);
  for (size_t n = 0; n < B; ++n) lengths[n] = n == 0 ? 6 : 6 - (n * 5) / B;
  return lengths;
}

// Shapes chosen to hit every path of the fused step kernels: full row blocks and row tails
// (B not a multiple of 3, 4 or 6), one to four unit blocks (H = 16 .. 64 with AVX2, 32 and
// 64 with AVX-512), and H the fused kernels do not take (8, 12: the GEMM + cell path); each
// plain and packed (rows ending mid-block), with and without a mask, both losses.
template <typename F>
void expect_fast_matches_reference_everywhere(double tolerance) {
  for (size_t B : {1u, 5u, 7u, 13u})
    for (size_t H : {8u, 12u, 16u, 32u, 48u, 64u})
      for (bool is_packed : {false, true})
        for (bool masked : {false, true}) {
          Shape s{B, 5, H, {}, 6, masked, masked ? Loss::kEveryStep : Loss::kFinalStep};
          if (is_packed) s.lengths = descending_lengths(B);
          expect_fast_matches_reference<F>(s, tolerance);
        }
}

TEST(LstmFast, MatchesReferenceInFloat) {
  expect_fast_matches_reference_everywhere<float>(kFastVsRefTolerance);
  std::printf("fused step variant: %s\n", kernels::cpu::lstm_step_variant());
}

TEST(LstmFast, MatchesReferenceInDouble) {
  expect_fast_matches_reference_everywhere<double>(kFastVsRefToleranceDouble);
}

TEST(LstmFast, MatchesReferencePackedExample) {
  for (bool masked : {false, true}) {
    expect_fast_matches_reference<float>(packed(masked, 6, 32), kFastVsRefTolerance);
    expect_fast_matches_reference<double>(packed(masked, 6, 32), kFastVsRefToleranceDouble);
  }
}

// batch_sizes = {B, ..., B} and an all-ones mask take the packed and masked code paths
// (gathered dU operand, masked recurrent operand) with the plain path's arithmetic, so the
// results must be bit for bit the same (float, fused kernels where the CPU has them).
TEST(LstmFast, FullBatchSizesAndUnitMaskMatchPlainPathExactly) {
  Shape s = plain(5, 7, 4, 32, Loss::kEveryStep);
  LstmCase<float> c(s, 3);
  LstmRun<float, true> base;
  base.forward(c);
  base.backward(c);
  c.s.lengths.assign(s.B, s.T);
  c.batch_sizes.assign(s.T, s.B);
  c.rmask.assign(s.B * s.H, 1.0f);
  LstmRun<float, true> run;
  run.forward(c);
  run.backward(c);
  EXPECT_EQ(run.h_seq, base.h_seq);
  EXPECT_EQ(run.c_seq, base.c_seq);
  EXPECT_EQ(run.dx, base.dx);
  EXPECT_EQ(run.dW, base.dW);
  EXPECT_EQ(run.dU, base.dU);
  EXPECT_EQ(run.db, base.db);
}

// Packing is exact: each row of a packed batch gives the same states and input gradients as
// that row run alone, unpacked, over its own valid steps; the weight gradients of the batch
// are the sum of the rows' weight gradients.
template <bool kFast>
void check_packing_is_exact(bool masked) {
  SCOPED_TRACE(masked ? "masked" : "unmasked");
  const LstmCase<double> c(packed(masked, 3, 16), 11);
  const RnnDims d = c.dims();
  const size_t E = d.E, H = d.H;
  LstmRun<double, kFast> batch;
  batch.forward(c);
  batch.backward(c);
  std::vector<double> dW(c.W.size(), 0.0), dU(c.U.size(), 0.0), db(c.b.size(), 0.0);
  for (size_t n = 0; n < d.B; ++n) {
    SCOPED_TRACE(::testing::Message() << "row " << n);
    const size_t L = c.s.lengths[n];
    LstmCase<double> row = c;
    row.s = plain(L, 1, E, H);
    row.batch_sizes.clear();
    row.T = L, row.N = L;
    row.x.clear(), row.proj.clear();
    size_t off = 0;  // first packed row of step t
    std::vector<size_t> packed_row(L);
    for (size_t t = 0; t < L; ++t) {
      packed_row[t] = off + n;
      row.x.insert(row.x.end(), c.x.begin() + static_cast<ptrdiff_t>((off + n) * E),
                   c.x.begin() + static_cast<ptrdiff_t>((off + n + 1) * E));
      row.proj.insert(row.proj.end(), c.proj.begin() + static_cast<ptrdiff_t>((off + n) * H),
                      c.proj.begin() + static_cast<ptrdiff_t>((off + n + 1) * H));
      off += c.batch_sizes[t];
    }
    if (masked)
      row.rmask.assign(c.rmask.begin() + static_cast<ptrdiff_t>(n * H),
                       c.rmask.begin() + static_cast<ptrdiff_t>((n + 1) * H));
    LstmRun<double, kFast> alone;
    alone.forward(row);
    alone.backward(row);
    double h_err = 0.0, c_err = 0.0, dx_err = 0.0;
    for (size_t t = 0; t < L; ++t) {
      for (size_t k = 0; k < H; ++k) {
        const size_t p = (d.B + packed_row[t]) * H + k, a = (1 + t) * H + k;
        h_err = std::max(h_err, std::abs(batch.h_seq[p] - alone.h_seq[a]));
        c_err = std::max(c_err, std::abs(batch.c_seq[p] - alone.c_seq[a]));
      }
      for (size_t e = 0; e < E; ++e)
        dx_err = std::max(dx_err, std::abs(batch.dx[packed_row[t] * E + e] - alone.dx[t * E + e]));
    }
    EXPECT_LT(h_err, kPackingTolerance);
    EXPECT_LT(c_err, kPackingTolerance);
    EXPECT_LT(dx_err, kPackingTolerance);
    for (size_t k = 0; k < dW.size(); ++k) dW[k] += alone.dW[k];
    for (size_t k = 0; k < dU.size(); ++k) dU[k] += alone.dU[k];
    for (size_t k = 0; k < db.size(); ++k) db[k] += alone.db[k];
  }
  EXPECT_LT(max_abs_diff(batch.dW, dW), kPackingTolerance);
  EXPECT_LT(max_abs_diff(batch.dU, dU), kPackingTolerance);
  EXPECT_LT(max_abs_diff(batch.db, db), kPackingTolerance);
}

TEST(LstmPacking, FastPackedRowsMatchRowsRunAlone) {
  check_packing_is_exact<true>(false);
  check_packing_is_exact<true>(true);
}

TEST(LstmPacking, ReferencePackedRowsMatchRowsRunAlone) {
  check_packing_is_exact<false>(false);
  check_packing_is_exact<false>(true);
}

TEST(LstmFast, BackwardAccumulates) {
  LstmCase<double> c(packed(true), 9);
  LstmRun<double, true> run;
  run.forward(c);
  run.backward(c);
  const auto dW_once = run.dW, dx_once = run.dx;
  kernels::cpu::lstm_backward(run.dx.data(), run.dW.data(), run.dU.data(), run.db.data(),
                              run.dgates.data(), run.scratch.data(), c.proj.data(), c.x.data(),
                              c.W.data(), c.U.data(), c.mask(), run.h_seq.data(), run.c_seq.data(),
                              run.gates.data(), c.dims());
  for (size_t k = 0; k < dW_once.size(); ++k) EXPECT_NEAR(run.dW[k], 2 * dW_once[k], 1e-12);
  for (size_t k = 0; k < dx_once.size(); ++k) EXPECT_NEAR(run.dx[k], 2 * dx_once[k], 1e-12);
}

// Backward over the gate cache in place gives exactly what it gives into a separate buffer:
// the fused float step (H a multiple of 8), the GEMM path with the vector cell and its
// scalar tail (H = 12), and double.
template <typename F>
void check_in_place(const Shape& shape) {
  SCOPED_TRACE(describe(shape));
  LstmCase<F> c(shape, 17);
  LstmRun<F, true> separate, in_place;
  separate.forward(c);
  separate.backward(c);
  in_place.forward(c);
  in_place.backward(c, true, /*in_place=*/true);
  EXPECT_EQ(in_place.dx, separate.dx);
  EXPECT_EQ(in_place.dW, separate.dW);
  EXPECT_EQ(in_place.dU, separate.dU);
  EXPECT_EQ(in_place.db, separate.db);
  EXPECT_EQ(in_place.gates, separate.dgates);  // the cache now holds the gradients
}

TEST(LstmFast, BackwardInPlaceOverTheGateCache) {
  for (bool masked : {false, true}) {
    check_in_place<float>(packed(masked, 5, 16));
    check_in_place<float>(packed(masked, 5, 12));
    check_in_place<double>(packed(masked, 3, 4));
  }
  check_in_place<float>(plain(9, 7, 6, 16));
}

// dx = null skips the input gradient and changes nothing else.
template <bool kFast>
void check_null_dx() {
  LstmCase<double> c(packed(true), 5);
  LstmRun<double, kFast> with, without;
  with.forward(c);
  with.backward(c);
  without.forward(c);
  without.backward(c, /*want_dx=*/false);
  EXPECT_EQ(without.dx, std::vector<double>(c.x.size(), 0.0));
  EXPECT_EQ(with.dW, without.dW);
  EXPECT_EQ(with.dU, without.dU);
  EXPECT_EQ(with.db, without.db);
}

TEST(LstmFast, NullDxIsSkipped) {
  check_null_dx<true>();
}

TEST(LstmReference, NullDxIsSkipped) {
  check_null_dx<false>();
}

// lstm_recurrence reads a separate xproj the same as in place (aliasing gates).
TEST(LstmFast, RecurrenceFromSeparateProjection) {
  LstmCase<float> c(packed(true, 4, 32), 13);
  const RnnDims d = c.dims();
  LstmRun<float, true> run;
  run.forward(c);
  std::vector<float> xproj(c.N * 4 * d.H);
  for (size_t r = 0; r < c.N; ++r)
    for (size_t j = 0; j < 4 * d.H; ++j) {
      double s = c.b[j];
      for (size_t e = 0; e < d.E; ++e) s += double(c.x[r * d.E + e]) * c.W[e * 4 * d.H + j];
      xproj[r * 4 * d.H + j] = static_cast<float>(s);
    }
  std::vector<float> h(run.h_seq.size()), cs(run.c_seq.size()), gates(run.gates.size());
  std::vector<float> scratch(kernels::lstm_scratch_size(d));
  kernels::cpu::lstm_recurrence(h.data(), cs.data(), gates.data(), scratch.data(), xproj.data(),
                                c.U.data(), c.b.data(), c.mask(), d);
  EXPECT_LT(max_abs_diff(h, run.h_seq), 1e-5);
  EXPECT_LT(max_abs_diff(gates, run.gates), 1e-5);
}

// With W = U = 0 every step sees the same gates sigmoid(b_i), sigmoid(b_f), tanh(b_g),
// sigmoid(b_o), so c_t = f c_{t-1} + i g has the closed form i g (1 - f^(t+1)) / (1 - f).
TEST(LstmStructure, ZeroWeightsGiveClosedFormCell) {
  const RnnDims d{6, 1, 2, 1};
  std::vector<double> x(d.T * d.E, 0.3), W(d.E * 4, 0.0), U(4, 0.0), b = {0.2, 0.7, -0.4, 1.1};
  std::vector<double> h((d.T + 1) * d.H), c((d.T + 1) * d.H), gates(d.T * 4);
  std::vector<double> scratch(kernels::lstm_scratch_size(d));
  kernels::cpu::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), static_cast<const double*>(nullptr), d);
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const double i = sig(0.2), f = sig(0.7), g = std::tanh(-0.4), o = sig(1.1);
  for (size_t t = 0; t < d.T; ++t) {
    const double expected_c = i * g * (1.0 - std::pow(f, static_cast<double>(t + 1))) / (1.0 - f);
    EXPECT_NEAR(c[t + 1], expected_c, 1e-12) << "step " << t;
    EXPECT_NEAR(h[t + 1], o * std::tanh(expected_c), 1e-12) << "step " << t;
  }
}

// A zero mask cuts the recurrence: every step then sees only x_t W + b, so with identical
// inputs at every step the gates are the same at every step while c still accumulates.
TEST(LstmStructure, ZeroMaskCutsRecurrenceButNotCell) {
  const RnnDims d{3, 1, 1, 2};
  std::vector<double> x(d.T, 0.5), W(8), U(16), b(8), rmask(2, 0.0);
  Rng rng(4);
  for (auto* v : {&W, &U, &b})
    for (auto& e : *v) e = rng.uniform(-1.0, 1.0);
  std::vector<double> h((d.T + 1) * d.H), c((d.T + 1) * d.H), gates(d.T * 8);
  std::vector<double> scratch(kernels::lstm_scratch_size(d));
  kernels::ref::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), rmask.data(), d);
  for (size_t t = 1; t < d.T; ++t)
    for (size_t j = 0; j < 8; ++j) EXPECT_NEAR(gates[t * 8 + j], gates[j], 1e-15);
  for (size_t k = 0; k < d.H; ++k)
    EXPECT_NEAR(c[2 * d.H + k], gates[d.H + k] * c[d.H + k] + gates[k] * gates[2 * d.H + k], 1e-15);
  EXPECT_GT(std::abs(c[2 * d.H] - c[d.H]), 1e-3);  // the cell did carry over
}

// Gate order i, f, g, o: a large forget-gate bias alone (others saturated shut) keeps the
// cell at zero, while opening only the input and output gates writes tanh(b_g).
TEST(LstmStructure, GateOrderIsInputForgetCellOutput) {
  const RnnDims d{1, 1, 1, 1};
  std::vector<double> x = {0.0}, W(4, 0.0), U(4, 0.0);
  std::vector<double> h(2), c(2), gates(4), scratch(kernels::lstm_scratch_size(d));
  std::vector<double> b = {30.0, -30.0, 0.5, 30.0};  // i open, f shut, g = tanh(0.5), o open
  const double* no_mask = nullptr;
  kernels::cpu::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), no_mask, d);
  EXPECT_NEAR(c[1], std::tanh(0.5), 1e-9);
  EXPECT_NEAR(gates[0], 1.0, 1e-9);
  EXPECT_NEAR(gates[1], 0.0, 1e-9);
  EXPECT_NEAR(gates[2], std::tanh(0.5), 1e-12);
  b = {-30.0, 30.0, 0.5, 30.0};  // input gate shut: nothing written
  kernels::cpu::lstm_forward(h.data(), c.data(), gates.data(), scratch.data(), x.data(), W.data(),
                             U.data(), b.data(), no_mask, d);
  EXPECT_NEAR(c[1], 0.0, 1e-9);
}

}  // namespace
}  // namespace sentiment
