// LSTM kernels that continue from a given state (lstm_forward_from, lstm_backward_from) and
// read their input projections by index (lstm_recurrence_indexed): finite differences in
// double, a split run against the whole run, and indexed rows against gathered ones.
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

}  // namespace
}  // namespace sentiment
