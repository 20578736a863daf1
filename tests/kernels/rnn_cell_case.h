// Shared checks for the packed recurrent kernels with one signature (GRU, SimpleRNN): a random
// packed case, one forward + backward run through a ref:: or cpu:: kernel, and the checks
// every cell gets (fast vs oracle, packing exactness, finite differences, accumulation, the
// time loop alone), which rnn_cell_test.cc runs for each cell that instantiates RnnCellTest.
// The loss is sum(dh * h_t) over every packed output row, so every step feeds the gradient.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "kernels/rnn.h"
#include "support/gradcheck.h"

namespace sentiment::testing {

// One cell's kernels: ref:: or cpu:: forward and backward, and its scratch size.
template <typename F>
struct CellKernels {
  kernels::CellType cell;
  kernels::RnnForward<F>* forward;
  kernels::RnnBackward<F>* backward;
  size_t (*scratch_size)(const kernels::RnnDims&);
};

// Packed row lengths for the fast-vs-oracle and packing checks: rows ending at several
// steps, the last after a single one.
inline const std::vector<size_t> kPackedLengths = {7, 7, 5, 2, 1};

template <typename F>
struct RnnCase {
  kernels::CellType cell;
  size_t T, B, E, H;
  std::vector<size_t> batch_sizes;       // empty: every step has B rows (unpacked)
  std::vector<F> x, W, U, b, rmask, dh;  // rmask empty: none; dh (N, H): the loss weights

  kernels::RnnDims dims() const {
    return {T, B, E, H, batch_sizes.empty() ? nullptr : batch_sizes.data()};
  }
  size_t rows() const { return kernels::rnn_packed_rows(dims()); }
  const F* mask() const { return rmask.empty() ? nullptr : rmask.data(); }
  size_t gate_count() const { return kernels::rnn_gate_count(cell); }
};

// lengths: one per row, longest first; empty for an unpacked (T, B) batch. The mask follows
// Keras' inverted dropout: 0 with probability 0.3, else 1 / 0.7.
template <typename F>
RnnCase<F> make_case(kernels::CellType cell, size_t T, size_t B, size_t E, size_t H,
                     const std::vector<size_t>& lengths, bool masked, uint64_t seed) {
  RnnCase<F> c{cell, T, B, E, H, {}, {}, {}, {}, {}, {}, {}};
  if (!lengths.empty()) {
    c.B = lengths.size();
    c.T = lengths.front();
    for (size_t t = 0; t < c.T; ++t)
      c.batch_sizes.push_back(static_cast<size_t>(
          std::count_if(lengths.begin(), lengths.end(), [t](size_t len) { return len > t; })));
  }
  Rng rng(seed);
  auto fill = [&](std::vector<F>& v, size_t n, double scale) {
    v.resize(n);
    for (auto& e : v) e = static_cast<F>(rng.uniform(-scale, scale));
  };
  const size_t G = c.gate_count(), N = c.rows();
  fill(c.x, N * E, 1.0);
  fill(c.W, E * G * H, 0.5);
  fill(c.U, H * G * H, 0.5);
  fill(c.b, kernels::rnn_bias_size(cell, H), 0.5);
  fill(c.dh, N * H, 1.0);
  if (masked) {
    c.rmask.resize(c.B * H);
    for (auto& m : c.rmask) m = rng.uniform01() < 0.3 ? F(0) : static_cast<F>(1.0 / 0.7);
  }
  return c;
}

template <typename F>
struct RnnRun {
  std::vector<F> h_seq, gates, dgates, scratch, dx, dW, dU, db;

  F forward(const RnnCase<F>& c, const CellKernels<F>& k) {
    const auto d = c.dims();
    const size_t N = c.rows();
    h_seq.assign((c.B + N) * c.H, F(-1));  // poison: forward must write every entry
    gates.assign(N * kernels::rnn_cache_width(c.cell, c.H), F(-1));
    scratch.assign(k.scratch_size(d), F(-1));
    k.forward(h_seq.data(), nullptr, gates.data(), scratch.data(), c.x.data(), c.W.data(),
              c.U.data(), c.b.data(), c.mask(), d);
    F loss = F(0);
    for (size_t k2 = 0; k2 < N * c.H; ++k2) loss += c.dh[k2] * h_seq[c.B * c.H + k2];
    return loss;
  }

  // Zeroes the gradients, then runs backward (which accumulates) once.
  void backward(const RnnCase<F>& c, const CellKernels<F>& k, bool want_dx = true) {
    dx.assign(c.x.size(), F(0));
    dW.assign(c.W.size(), F(0));
    dU.assign(c.U.size(), F(0));
    db.assign(c.b.size(), F(0));
    backward_again(c, k, want_dx);
  }

  void backward_again(const RnnCase<F>& c, const CellKernels<F>& k, bool want_dx = true) {
    const auto d = c.dims();
    dgates.assign(c.rows() * c.gate_count() * c.H, F(-1));
    scratch.assign(k.scratch_size(d), F(-1));
    k.backward(want_dx ? dx.data() : nullptr, dW.data(), dU.data(), db.data(), dgates.data(),
               scratch.data(), c.dh.data(), c.x.data(), c.W.data(), c.U.data(), c.mask(),
               h_seq.data(), nullptr, gates.data(), d);
  }
};

// max |a - b| relative to the reference's scale (at least 1): gradients summed over many
// rows grow with them, and rounding grows with the magnitude.
template <typename F>
double scaled_diff(const std::vector<F>& got, const std::vector<F>& want) {
  double scale = 1.0;
  for (F v : want) scale = std::max(scale, std::abs(static_cast<double>(v)));
  return max_abs_diff(got, want) / scale;
}

template <typename F>
void expect_same_run(const RnnRun<F>& got, const RnnRun<F>& want, double tol) {
  EXPECT_LT(scaled_diff(got.h_seq, want.h_seq), tol) << "h_seq";
  EXPECT_LT(scaled_diff(got.gates, want.gates), tol) << "gates";
  EXPECT_LT(scaled_diff(got.dx, want.dx), tol) << "dx";
  EXPECT_LT(scaled_diff(got.dW, want.dW), tol) << "dW";
  EXPECT_LT(scaled_diff(got.dU, want.dU), tol) << "dU";
  EXPECT_LT(scaled_diff(got.db, want.db), tol) << "db";
}

template <typename F>
void expect_fast_matches_ref(const RnnCase<F>& c, const CellKernels<F>& fast,
                             const CellKernels<F>& ref, double tol) {
  SCOPED_TRACE(::testing::Message()
               << "T " << c.T << " B " << c.B << " E " << c.E << " H " << c.H
               << (c.batch_sizes.empty() ? "" : " packed") << (c.rmask.empty() ? "" : " rmask"));
  RnnRun<F> a, b;
  a.forward(c, fast);
  b.forward(c, ref);
  a.backward(c, fast);
  b.backward(c, ref);
  expect_same_run(a, b, tol);
}

inline void expect_gradients_match(RnnCase<double> c, const CellKernels<double>& k) {
  SCOPED_TRACE(::testing::Message() << (c.batch_sizes.empty() ? "unpacked" : "packed")
                                    << (c.rmask.empty() ? "" : " rmask"));
  RnnRun<double> run;
  run.forward(c, k);
  run.backward(c, k);
  auto loss = [&] { return RnnRun<double>().forward(c, k); };
  EXPECT_LT(relative_error(run.dx, numeric_gradient(c.x, loss)), kGradientTolerance) << "dx";
  EXPECT_LT(relative_error(run.dW, numeric_gradient(c.W, loss)), kGradientTolerance) << "dW";
  EXPECT_LT(relative_error(run.dU, numeric_gradient(c.U, loss)), kGradientTolerance) << "dU";
  EXPECT_LT(relative_error(run.db, numeric_gradient(c.b, loss)), kGradientTolerance) << "db";
}

// A packed batch must give each row exactly what that row gives alone, unpacked over its own
// steps: outputs, dx rows and cache rows match, and the weight gradients are the sum over
// the rows. Row i, step t sits at packed row off_t + i (off_t = b_0 + ... + b_{t-1}).
inline void expect_packing_exact(const RnnCase<double>& c, const CellKernels<double>& k,
                                 double tol) {
  RnnRun<double> packed;
  packed.forward(c, k);
  packed.backward(c, k);
  std::vector<size_t> off(c.T + 1, 0);
  for (size_t t = 0; t < c.T; ++t) off[t + 1] = off[t] + c.batch_sizes[t];
  const size_t E = c.E, H = c.H, W = kernels::rnn_cache_width(c.cell, H);
  RnnRun<double> single;  // weight gradients accumulate over the rows' backward passes
  single.dW.assign(c.W.size(), 0.0);
  single.dU.assign(c.U.size(), 0.0);
  single.db.assign(c.b.size(), 0.0);
  for (size_t i = 0; i < c.B; ++i) {
    size_t len = 0;
    while (len < c.T && c.batch_sizes[len] > i) ++len;
    RnnCase<double> one = c;
    one.T = len, one.B = 1;
    one.batch_sizes.clear();
    one.x.clear(), one.dh.clear();
    for (size_t t = 0; t < len; ++t) {
      const size_t p = off[t] + i;
      one.x.insert(one.x.end(), c.x.begin() + p * E, c.x.begin() + (p + 1) * E);
      one.dh.insert(one.dh.end(), c.dh.begin() + p * H, c.dh.begin() + (p + 1) * H);
    }
    if (!c.rmask.empty()) one.rmask.assign(c.rmask.begin() + i * H, c.rmask.begin() + (i + 1) * H);
    single.forward(one, k);
    single.dx.assign(one.x.size(), 0.0);
    single.backward_again(one, k);
    for (size_t t = 0; t < len; ++t) {
      const size_t p = off[t] + i;
      for (size_t j = 0; j < H; ++j)
        EXPECT_NEAR(packed.h_seq[(c.B + p) * H + j], single.h_seq[(1 + t) * H + j], tol)
            << "h row " << i << " step " << t;
      for (size_t j = 0; j < W; ++j)
        EXPECT_NEAR(packed.gates[p * W + j], single.gates[t * W + j], tol)
            << "gates row " << i << " step " << t;
      for (size_t e = 0; e < E; ++e)
        EXPECT_NEAR(packed.dx[p * E + e], single.dx[t * E + e], tol)
            << "dx row " << i << " step " << t;
    }
  }
  EXPECT_LT(max_abs_diff(packed.dW, single.dW), tol) << "dW";
  EXPECT_LT(max_abs_diff(packed.dU, single.dU), tol) << "dU";
  EXPECT_LT(max_abs_diff(packed.db, single.db), tol) << "db";
}

// Backward accumulates into dx, dW, dU, db, and a null dx leaves the others unchanged.
inline void expect_backward_accumulates(const RnnCase<double>& c, const CellKernels<double>& k) {
  RnnRun<double> run;
  run.forward(c, k);
  run.backward(c, k);
  const RnnRun<double> once = run;
  run.backward_again(c, k);
  for (size_t j = 0; j < once.dx.size(); ++j) EXPECT_NEAR(run.dx[j], 2 * once.dx[j], 1e-12);
  for (size_t j = 0; j < once.dW.size(); ++j) EXPECT_NEAR(run.dW[j], 2 * once.dW[j], 1e-12);
  for (size_t j = 0; j < once.dU.size(); ++j) EXPECT_NEAR(run.dU[j], 2 * once.dU[j], 1e-12);
  for (size_t j = 0; j < once.db.size(); ++j) EXPECT_NEAR(run.db[j], 2 * once.db[j], 1e-12);
  RnnRun<double> no_dx = once;
  no_dx.backward(c, k, /*want_dx=*/false);
  EXPECT_EQ(no_dx.dW, once.dW);
  EXPECT_EQ(no_dx.dU, once.dU);
  EXPECT_EQ(no_dx.db, once.db);
}

// x W + b over every packed row, (N, G H): the input projection that inference gathers from
// a per-word table. Only b's first G H values are added (the GRU's input bias b_i).
template <typename F>
std::vector<F> input_projection(const RnnCase<F>& c) {
  const size_t N = c.rows(), E = c.E, G = c.gate_count() * c.H;
  std::vector<F> xproj(N * G);
  for (size_t r = 0; r < N; ++r)
    for (size_t j = 0; j < G; ++j) {
      F s = c.b[j];
      for (size_t e = 0; e < E; ++e) s += c.x[r * E + e] * c.W[e * G + j];
      xproj[r * G + j] = s;
    }
  return xproj;
}

// The cpu:: time loop alone on input_projection(c) (how inference runs) gives the h_seq and
// gates that forward gives. With `aliased` the projection starts in the gates buffer itself,
// for kernels that allow it.
inline void expect_recurrence_matches_forward(const RnnCase<double>& c,
                                              const CellKernels<double>& k,
                                              kernels::RnnRecurrence<double>* recurrence,
                                              bool aliased, double tol) {
  SCOPED_TRACE(aliased ? "xproj in gates" : "xproj apart");
  const auto d = c.dims();
  const std::vector<double> xproj = input_projection(c);
  RnnRun<double> want;
  want.forward(c, k);
  std::vector<double> h(want.h_seq.size(), -1.0), gates(want.gates.size(), -1.0);
  if (aliased) {
    ASSERT_EQ(xproj.size(), gates.size()) << "the cache is not as wide as the projection";
    gates = xproj;
  }
  std::vector<double> scratch(k.scratch_size(d));
  recurrence(h.data(), nullptr, gates.data(), scratch.data(), aliased ? gates.data() : xproj.data(),
             c.U.data(), c.b.data(), c.mask(), d);
  EXPECT_LT(max_abs_diff(h, want.h_seq), tol);
  EXPECT_LT(max_abs_diff(gates, want.gates), tol);
}

// Forward alone on given tensors of an unpacked batch, for closed-form cases: the run holds
// h_seq and gates.
template <typename F>
RnnRun<F> run_forward(const CellKernels<F>& k, kernels::RnnDims d, std::vector<F> x,
                      std::vector<F> W, std::vector<F> U, std::vector<F> b,
                      std::vector<F> rmask = {}) {
  RnnCase<F> c{k.cell, d.T, d.B, d.E, d.H, {}, {}, {}, {}, {}, {}, {}};
  c.x = std::move(x), c.W = std::move(W), c.U = std::move(U), c.b = std::move(b);
  c.rmask = std::move(rmask);
  c.dh.assign(c.rows() * d.H, F(0));  // the loss forward returns is not looked at
  RnnRun<F> run;
  run.forward(c, k);
  return run;
}

// One cell for the checks of rnn_cell_test.cc; its own test file instantiates RnnCellTest
// with it, beside the closed-form cases that only it has.
struct CellUnderTest {
  const char* name;
  CellKernels<float> fast_f32, ref_f32;
  CellKernels<double> fast_f64, ref_f64;
  kernels::RnnRecurrence<double>* recurrence;  // the cpu:: time loop alone
  bool recurrence_in_place;                    // whether xproj may alias gates
  double float_tolerance;                      // fast vs oracle in float
  double double_tolerance;                     // fast vs oracle and packing exactness in double
};

inline void PrintTo(const CellUnderTest& cell, std::ostream* os) {
  *os << cell.name;
}

class RnnCellTest : public ::testing::TestWithParam<CellUnderTest> {};

}  // namespace sentiment::testing
