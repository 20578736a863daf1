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
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using kernels::RnnDims;
using testing::kGradientTolerance;
using testing::max_abs_diff;
using testing::numeric_gradient;
using testing::relative_error;

// Float forward/backward of the fast kernel agree with the oracle to within accumulated
// rounding: ~1e-6 relative per operation over T = 7 steps; the fast kernel also uses the
// vmath approximations (<= 6e-7 absolute), so 2e-5, relative to the tensor's largest
// magnitude when that exceeds 1 (weight gradients sum over all N rows), leaves headroom.
constexpr double kFastVsRefTolerance = 2e-5;
// Double: the two differ only in summation order (BLAS vs loops), ~1e-16 per operation.
constexpr double kFastVsRefToleranceDouble = 1e-12;
// Packed vs row-by-row in double: the same arithmetic up to summation order in the GEMMs.
constexpr double kPackingTolerance = 1e-12;

// Which outputs the loss reads: every h_t (random weights), or each row's final h only (the
// classifier's readout, Keras return_sequences=False).
enum class Loss { kEveryStep, kFinalStep };

struct Shape {
  size_t B, E, H;
  std::vector<size_t> lengths;  // one per row, longest first; empty = all T (unpacked)
  size_t T = 0;                 // steps when unpacked
  bool masked = false;
  Loss loss = Loss::kEveryStep;
};

template <typename F>
struct LstmCase {
  Shape s;
  std::vector<size_t> batch_sizes;         // (T) or empty
  std::vector<F> x, W, U, b, rmask, proj;  // proj (N, H) = dh_seq: loss = sum(proj * h)
  size_t T = 0, N = 0;

  LstmCase(Shape shape, uint64_t seed) : s(std::move(shape)) {
    T = s.lengths.empty() ? s.T : s.lengths.front();
    if (!s.lengths.empty())
      for (size_t t = 0; t < T; ++t)
        batch_sizes.push_back(static_cast<size_t>(
            std::count_if(s.lengths.begin(), s.lengths.end(), [t](size_t l) { return l > t; })));
    N = kernels::rnn_packed_rows(dims());
    Rng rng(seed);
    auto fill = [&](std::vector<F>& v, size_t n, double scale) {
      v.resize(n);
      for (auto& e : v) e = static_cast<F>(rng.uniform(-scale, scale));
    };
    fill(x, N * s.E, 1.0);
    fill(W, s.E * 4 * s.H, 0.5);
    fill(U, s.H * 4 * s.H, 0.5);
    fill(b, 4 * s.H, 0.5);
    fill(proj, N * s.H, 1.0);
    if (s.loss == Loss::kFinalStep) {  // keep only the rows' last steps
      size_t off = 0;
      for (size_t t = 0; t < T; ++t) {
        const size_t bt = kernels::rnn_rows(dims(), t);
        const size_t b_next = t + 1 < T ? kernels::rnn_rows(dims(), t + 1) : 0;
        for (size_t n = 0; n < std::min(b_next, bt); ++n)
          std::fill_n(proj.begin() + static_cast<ptrdiff_t>((off + n) * s.H), s.H, F(0));
        off += bt;
      }
    }
    if (s.masked) {  // dropped units and varied keep-scales, so a misplaced factor shows
      rmask.resize(s.B * s.H);
      for (auto& m : rmask)
        m = rng.uniform01() < 0.25 ? F(0) : static_cast<F>(rng.uniform(0.5, 2.0));
    }
  }

  RnnDims dims() const {
    return {T, s.B, s.E, s.H, batch_sizes.empty() ? nullptr : batch_sizes.data()};
  }
  const F* mask() const { return rmask.empty() ? nullptr : rmask.data(); }
};

template <typename F, bool kFast>
struct LstmRun {
  std::vector<F> h_seq, c_seq, gates, dgates, scratch, dx, dW, dU, db;

  F forward(const LstmCase<F>& c) {
    const RnnDims d = c.dims();
    const size_t H = d.H;
    scratch.assign(kernels::lstm_scratch_size(d), F(0));
    h_seq.assign((d.B + c.N) * H, F(-7));  // garbage: the kernels must write every row
    c_seq.assign((d.B + c.N) * H, F(-7));
    gates.assign(c.N * 4 * H, F(0));
    auto fn = kFast ? kernels::cpu::lstm_forward<F> : kernels::ref::lstm_forward<F>;
    fn(h_seq.data(), c_seq.data(), gates.data(), scratch.data(), c.x.data(), c.W.data(), c.U.data(),
       c.b.data(), c.mask(), d);
    F loss = F(0);
    for (size_t k = 0; k < c.N * H; ++k) loss += c.proj[k] * h_seq[d.B * H + k];
    return loss;
  }

  // in_place: dgates is the gate cache itself, overwritten as backward goes.
  void backward(const LstmCase<F>& c, bool want_dx = true, bool in_place = false) {
    const RnnDims d = c.dims();
    dgates.assign(c.N * 4 * d.H, F(0));
    scratch.assign(kernels::lstm_scratch_size(d), F(-7));
    dx.assign(c.x.size(), F(0));
    dW.assign(c.W.size(), F(0));
    dU.assign(c.U.size(), F(0));
    db.assign(c.b.size(), F(0));
    auto fn = kFast ? kernels::cpu::lstm_backward<F> : kernels::ref::lstm_backward<F>;
    fn(want_dx ? dx.data() : nullptr, dW.data(), dU.data(), db.data(),
       in_place ? gates.data() : dgates.data(), scratch.data(), c.proj.data(), c.x.data(),
       c.W.data(), c.U.data(), c.mask(), h_seq.data(), c_seq.data(), gates.data(), d);
  }
};

std::string describe(const Shape& s) {
  std::string out = "B " + std::to_string(s.B) + " E " + std::to_string(s.E) + " H " +
                    std::to_string(s.H) + (s.masked ? " masked" : "") + " lengths {";
  for (size_t l : s.lengths) out += std::to_string(l) + " ";
  return out + "} T " + std::to_string(s.T);
}

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

Shape plain(size_t T, size_t B, size_t E, size_t H, Loss loss = Loss::kFinalStep) {
  return {B, E, H, {}, T, false, loss};
}

// Lengths with every kind of step boundary: rows ending together, alone, and a row of one.
Shape packed(bool masked, size_t E = 3, size_t H = 4) {
  return {5, E, H, {7, 7, 5, 2, 1}, 0, masked, Loss::kEveryStep};
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

// Largest magnitude of a tensor, at least 1: the scale float rounding is relative to.
template <typename F>
double scale_of(const std::vector<F>& v) {
  double m = 1.0;
  for (F e : v) m = std::max(m, std::abs(static_cast<double>(e)));
  return m;
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

// Runs from a given state (lstm_forward_from / lstm_backward_from), in double: the loss also
// reads every c_t through cproj (backward's dc_seq), and the initial state is random, so
// finite differences check dh0, dc0, the injected dc and step 0's dU term together.
struct FromStateRun {
  std::vector<double> h0, c0, cproj;
  std::vector<double> h_seq, c_seq, gates, dgates, scratch, dx, dW, dU, db, dh0, dc0;

  FromStateRun(const LstmCase<double>& c, uint64_t seed) {
    Rng rng(seed);
    h0 = testing::random_vector(c.s.B * c.s.H, rng, 0.9);
    c0 = testing::random_vector(c.s.B * c.s.H, rng, 1.5);
    cproj = testing::random_vector(c.N * c.s.H, rng);
  }

  double forward(const LstmCase<double>& c) {
    const RnnDims d = c.dims();
    const size_t H = d.H;
    scratch.assign(kernels::lstm_scratch_size(d), 0.0);
    h_seq.assign((d.B + c.N) * H, -7.0);
    c_seq.assign((d.B + c.N) * H, -7.0);
    std::copy(h0.begin(), h0.end(), h_seq.begin());
    std::copy(c0.begin(), c0.end(), c_seq.begin());
    gates.assign(c.N * 4 * H, 0.0);
    kernels::cpu::lstm_forward_from(h_seq.data(), c_seq.data(), gates.data(), scratch.data(),
                                    c.x.data(), c.W.data(), c.U.data(), c.b.data(), c.mask(), d);
    double loss = 0.0;
    for (size_t k = 0; k < c.N * H; ++k)
      loss += c.proj[k] * h_seq[d.B * H + k] + cproj[k] * c_seq[d.B * H + k];
    return loss;
  }

  void backward(const LstmCase<double>& c) {
    const RnnDims d = c.dims();
    dgates.assign(c.N * 4 * d.H, 0.0);
    scratch.assign(kernels::lstm_scratch_size(d), -7.0);
    dx.assign(c.x.size(), 0.0);
    dW.assign(c.W.size(), 0.0);
    dU.assign(c.U.size(), 0.0);
    db.assign(c.b.size(), 0.0);
    dh0.assign(h0.size(), -7.0);
    dc0.assign(c0.size(), -7.0);
    kernels::cpu::lstm_backward_from(dh0.data(), dc0.data(), dx.data(), dW.data(), dU.data(),
                                     db.data(), dgates.data(), scratch.data(), c.proj.data(),
                                     cproj.data(), c.x.data(), c.W.data(), c.U.data(), c.mask(),
                                     h_seq.data(), c_seq.data(), gates.data(), d);
  }
};

void check_from_state_gradients(const Shape& shape) {
  SCOPED_TRACE(describe(shape));
  LstmCase<double> c(shape, 77);
  FromStateRun run(c, 78);
  run.forward(c);
  run.backward(c);
  auto loss = [&] {
    FromStateRun again = run;
    return again.forward(c);
  };
  EXPECT_LT(relative_error(run.dx, numeric_gradient(c.x, loss)), kGradientTolerance) << "dx";
  EXPECT_LT(relative_error(run.dW, numeric_gradient(c.W, loss)), kGradientTolerance) << "dW";
  EXPECT_LT(relative_error(run.dU, numeric_gradient(c.U, loss)), kGradientTolerance) << "dU";
  EXPECT_LT(relative_error(run.db, numeric_gradient(c.b, loss)), kGradientTolerance) << "db";
  EXPECT_LT(relative_error(run.dh0, numeric_gradient(run.h0, loss)), kGradientTolerance) << "dh0";
  EXPECT_LT(relative_error(run.dc0, numeric_gradient(run.c0, loss)), kGradientTolerance) << "dc0";
}

TEST(LstmFromState, MatchesFiniteDifferencesPlain) {
  check_from_state_gradients(plain(4, 3, 2, 3, Loss::kEveryStep));
}

TEST(LstmFromState, MatchesFiniteDifferencesSingleStep) {
  check_from_state_gradients(plain(1, 2, 3, 2, Loss::kEveryStep));
}

TEST(LstmFromState, MatchesFiniteDifferencesPackedMasked) {
  check_from_state_gradients(packed(true));
}

// In float through the fused kernels: a run split in two, the second half continuing from
// the first half's last state, gives the unsplit run's states; and the split backward, the
// second half handing dh0 and dc0 to the first as dh_seq and dc_seq, gives its gradients.
TEST(LstmFromState, SplitRunEqualsWholeRun) {
  const size_t B = 5, E = 6, H = 32, T = 9, T1 = 4, T2 = T - T1, G = 4 * H;
  LstmCase<float> c(plain(T, B, E, H, Loss::kEveryStep), 5);
  LstmRun<float, true> whole;
  whole.forward(c);
  whole.backward(c);

  const RnnDims d1{T1, B, E, H}, d2{T2, B, E, H};
  const size_t N1 = T1 * B, N2 = T2 * B;
  std::vector<float> scratch(
      std::max(kernels::lstm_scratch_size(d1), kernels::lstm_scratch_size(d2)));
  std::vector<float> h1((B + N1) * H), c1((B + N1) * H), g1(N1 * G);
  std::vector<float> h2((B + N2) * H), c2((B + N2) * H), g2(N2 * G);
  const float* x2 = c.x.data() + N1 * E;
  kernels::cpu::lstm_forward(h1.data(), c1.data(), g1.data(), scratch.data(), c.x.data(),
                             c.W.data(), c.U.data(), c.b.data(), c.mask(), d1);
  std::copy_n(h1.data() + N1 * H, B * H, h2.data());  // the first half's last state
  std::copy_n(c1.data() + N1 * H, B * H, c2.data());
  kernels::cpu::lstm_forward_from(h2.data(), c2.data(), g2.data(), scratch.data(), x2, c.W.data(),
                                  c.U.data(), c.b.data(), c.mask(), d2);
  for (size_t k = 0; k < N2 * H; ++k)
    ASSERT_NEAR(h2[B * H + k], whole.h_seq[(B + N1) * H + k], 1e-6) << k;

  std::vector<float> dx(c.x.size()), dW(c.W.size()), dU(c.U.size()), db(c.b.size());
  std::vector<float> dgates(N1 * G + N2 * G), dh0(B * H), dc0(B * H);
  kernels::cpu::lstm_backward_from(dh0.data(), dc0.data(), dx.data() + N1 * E, dW.data(), dU.data(),
                                   db.data(), dgates.data() + N1 * G, scratch.data(),
                                   c.proj.data() + N1 * H, static_cast<const float*>(nullptr), x2,
                                   c.W.data(), c.U.data(), c.mask(), h2.data(), c2.data(),
                                   g2.data(), d2);
  // The first half: dL/dh_t from the loss, plus dh0 on its last step; dL/dc of its last step
  // is dc0 (dc_seq zero elsewhere).
  std::vector<float> dh1(c.proj.begin(), c.proj.begin() + static_cast<ptrdiff_t>(N1 * H));
  std::vector<float> dc1(N1 * H, 0.0f);
  for (size_t k = 0; k < B * H; ++k) {
    dh1[(N1 - B) * H + k] += dh0[k];
    dc1[(N1 - B) * H + k] = dc0[k];
  }
  kernels::cpu::lstm_backward_from(static_cast<float*>(nullptr), static_cast<float*>(nullptr),
                                   dx.data(), dW.data(), dU.data(), db.data(), dgates.data(),
                                   scratch.data(), dh1.data(), dc1.data(), c.x.data(), c.W.data(),
                                   c.U.data(), c.mask(), h1.data(), c1.data(), g1.data(), d1);
  EXPECT_LT(max_abs_diff(dx, whole.dx), 1e-5 * scale_of(whole.dx)) << "dx";
  EXPECT_LT(max_abs_diff(dW, whole.dW), 1e-5 * scale_of(whole.dW)) << "dW";
  EXPECT_LT(max_abs_diff(dU, whole.dU), 1e-5 * scale_of(whole.dU)) << "dU";
  EXPECT_LT(max_abs_diff(db, whole.db), 1e-5 * scale_of(whole.db)) << "db";
}

// lstm_recurrence_indexed reads its rows in place by index (rows repeating, as a per-word
// table's do) and equals lstm_recurrence_from on the gathered rows, with and without a gate
// cache, through the fused kernels (float, H 32) and the GEMM path (double, and H 12).
template <typename F>
void check_indexed_recurrence(size_t H) {
  const Shape shape = packed(true, 3, H);
  LstmCase<F> c(shape, 31);
  const RnnDims d = c.dims();
  const size_t G = 4 * H, V = 6;
  Rng rng(32);
  std::vector<F> table(V * G);
  for (auto& v : table) v = static_cast<F>(rng.uniform(-1.5, 1.5));
  std::vector<uint32_t> index(c.N);
  for (auto& i : index) i = static_cast<uint32_t>(rng.next_u64() % V);
  std::vector<F> gathered(c.N * G), h0((d.B + c.N) * H, F(0)), c0((d.B + c.N) * H, F(0));
  for (size_t p = 0; p < c.N; ++p)
    std::copy_n(table.begin() + static_cast<ptrdiff_t>(index[p] * G), G,
                gathered.begin() + static_cast<ptrdiff_t>(p * G));
  for (size_t k = 0; k < d.B * H; ++k)
    h0[k] = static_cast<F>(rng.uniform(-0.9, 0.9)), c0[k] = static_cast<F>(rng.uniform(-2, 2));
  std::vector<F> scratch(kernels::lstm_scratch_size(d));
  std::vector<F> h_ref = h0, c_ref = c0, g_ref(c.N * G);
  kernels::cpu::lstm_recurrence_from(h_ref.data(), c_ref.data(), g_ref.data(), scratch.data(),
                                     gathered.data(), c.U.data(), c.b.data(), c.mask(), d);
  for (bool keep : {true, false}) {
    std::vector<F> h = h0, cs = c0, g(c.N * G, F(-7));
    kernels::cpu::lstm_recurrence_indexed(h.data(), cs.data(), keep ? g.data() : nullptr,
                                          scratch.data(), table.data(), index.data(), c.U.data(),
                                          c.mask(), d);
    EXPECT_EQ(max_abs_diff(h, h_ref), 0.0) << "H " << H << " keep " << keep;
    EXPECT_EQ(max_abs_diff(cs, c_ref), 0.0) << "H " << H << " keep " << keep;
    if (keep) {
      EXPECT_EQ(max_abs_diff(g, g_ref), 0.0) << "H " << H;
    }
  }
}

TEST(LstmFast, IndexedRecurrenceEqualsGatheredRows) {
  check_indexed_recurrence<float>(32);
  check_indexed_recurrence<float>(12);
  check_indexed_recurrence<double>(8);
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
