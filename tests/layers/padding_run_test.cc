// The shared padding run: rows that start from the run's state after their own padding give
// the outputs of running every padding step row by row, and the gradients through the run
// (weights and embedding table, the padding token's row included) match finite differences.
#include <gtest/gtest.h>

#include <vector>

#include "layers/embedding.h"
#include "layers/padding_run.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::max_abs_diff;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;

constexpr size_t kT = 6, kE = 3, kH = 4, kV = 6, kG = 4 * kH;
// Pre-padded rows: 3, 5, 0 and 2 padding steps.
const std::vector<int32_t> kTokens = {0, 0, 0, 1, 4, 5,  //
                                      0, 0, 0, 0, 0, 3,  //
                                      2, 2, 2, 2, 2, 2,  //
                                      0, 0, 4, 1, 1, 3};
constexpr size_t kB = 4;

struct Weights {
  std::vector<double> table, W, U, b;
  RecurrentParams<const double> params() const { return {W.data(), U.data(), b.data()}; }
};

Weights random_weights() {
  Rng rng(23);
  return {random_vector(kV * kE, rng), random_vector(kE * kG, rng, 0.6),
          random_vector(kH * kG, rng, 0.6), random_vector(kG, rng, 0.5)};
}

// Each row's last output, (B, H) in the rows' own order, with the run (shared) or without.
std::vector<double> last_states(const Weights& w, bool shared, PackedBatch& b,
                                DirectionCache<double>& rows, DirectionCache<double>& run,
                                std::vector<double>& scratch) {
  pack_batch(b, kTokens.data(), kB, kT, kT, shared ? StepsOf::kAfterPadding : StepsOf::kAll, false);
  const size_t N = b.packed_rows;
  const kernels::RnnDims dims = b.dims(kE, kH);
  rows.resize(CellType::kLstm, dims, N);
  rows.x.resize(N * kE);
  embedding_forward(rows.x.data(), b.tokens.data(), w.table.data(), N, kE);
  scratch.resize(recurrent_scratch_size(CellType::kLstm, dims));
  if (shared) {
    std::vector<uint32_t> zero_index;
    padding_run_forward<double>(run, scratch, zero_index, w.table.data(), 0, nullptr, w.params(),
                                kT - b.lengths[kB - 1], kE, kH);
    padding_run_start_rows(rows, run, b, kH);
  }
  recurrent_forward(rows, scratch.data(), CellType::kLstm, w.params(), dims, shared);
  std::vector<double> last(kB * kH);
  for (size_t j = 0; j < kB; ++j)
    std::copy_n(rows.h_seq.data() + (b.active + b.offsets[b.lengths[j] - 1] + j) * kH, kH,
                last.data() + b.order[j] * kH);
  return last;
}

TEST(PaddingRun, EqualsRunningEveryPaddingStep) {
  const Weights w = random_weights();
  PackedBatch b1, b2;
  DirectionCache<double> rows1, rows2, run;
  std::vector<double> scratch;
  const auto plain = last_states(w, false, b1, rows1, run, scratch);
  const auto shared = last_states(w, true, b2, rows2, run, scratch);
  EXPECT_LT(b2.packed_rows, b1.packed_rows);  // the padding steps ran once, not per row
  EXPECT_LT(max_abs_diff(plain, shared), 1e-12);
}

TEST(PaddingRun, MatchesFiniteDifferences) {
  Weights w = random_weights();
  Rng rng(4);
  const auto wout = random_vector(kB * kH, rng);
  PackedBatch b;
  DirectionCache<double> rows, run;
  std::vector<double> scratch;
  auto loss = [&] {
    const auto last = last_states(w, true, b, rows, run, scratch);
    double l = 0.0;
    for (size_t k = 0; k < last.size(); ++k) l += wout[k] * last[k];
    return l;
  };
  loss();
  const size_t N = b.packed_rows, A = b.active, P = kT - b.lengths[kB - 1];
  rows.dh.assign(N * kH, 0.0);
  for (size_t j = 0; j < kB; ++j)
    std::copy_n(wout.data() + b.order[j] * kH, kH,
                rows.dh.data() + (b.offsets[b.lengths[j] - 1] + j) * kH);
  rows.dh0.resize(A * kH);
  rows.dc0.resize(A * kH);
  rows.dc.clear();
  rows.dx.assign(N * kE, 0.0);
  std::vector<double> dW(w.W.size()), dU(w.U.size()), db(w.b.size()), dtable(w.table.size());
  const RecurrentParams<double> grads{dW.data(), dU.data(), db.data()};
  recurrent_backward(rows, scratch.data(), CellType::kLstm, w.params(), grads, b.dims(kE, kH),
                     true);
  run.dh.assign(P * kH, 0.0);
  run.dc.assign(P * kH, 0.0);
  std::vector<double> dpadding(kE, 0.0);
  padding_run_backward(dpadding.data(), true, run, &rows, scratch, b, w.params(), grads, P, kE, kH);
  embedding_backward(dtable.data(), b.tokens.data(), rows.dx.data(), N, kE);
  const int32_t padding = 0;
  embedding_backward(dtable.data(), &padding, dpadding.data(), 1, kE);
  EXPECT_GT(std::abs(dtable[0]), 0.0);  // the padding token's row learns
  EXPECT_LT(relative_error(dtable, numeric_gradient(w.table, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(dW, numeric_gradient(w.W, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(dU, numeric_gradient(w.U, loss)), kGradientTolerance);
  EXPECT_LT(relative_error(db, numeric_gradient(w.b, loss)), kGradientTolerance);
}

}  // namespace
}  // namespace sentiment
