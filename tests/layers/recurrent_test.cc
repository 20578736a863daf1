// The recurrent layer, one harness for LSTM, GRU and SimpleRNN: each direction of a packed,
// ragged batch (input dropout, recurrent dropout, the backward direction's mirrored steps)
// against finite differences in double; and the first layer's fast paths (projection per
// distinct token, projections read from a per-word table) against the plain path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layer_test_util.h"
#include "layers/embedding.h"
#include "layers/recurrent.h"
#include "support/gradcheck.h"

namespace sentiment {
namespace {

using testing::kGradientTolerance;
using testing::max_abs_diff;
using testing::numeric_gradient;
using testing::random_vector;
using testing::relative_error;
using testing::weighted_sum;

const std::vector<std::vector<int32_t>> kRows = {{1, 4, 5, 1}, {3}, {2, 2, 5}, {4, 1, 3, 3, 2}};
const CellType kCells[] = {CellType::kLstm, CellType::kGru, CellType::kSimpleRnn};

// One direction of one layer over kRows: weights, inputs, masks and the loss weights.
struct LayerCase {
  CellType cell;
  size_t dir;
  PackedBatch b;
  size_t E = 3, H = 4;
  std::vector<double> in, W, U, bias, mask, rmask, wout;

  LayerCase(CellType c, size_t direction, bool masked) : cell(c), dir(direction) {
    b = testing::packed_rows(kRows, 5);
    Rng rng(17 + static_cast<uint64_t>(c) + 5 * direction);
    const size_t N = b.packed_rows, G = kernels::rnn_gate_count(cell) * H;
    in = random_vector(N * E, rng);
    W = random_vector(E * G, rng, 0.6);
    U = random_vector(H * G, rng, 0.6);
    bias = random_vector(kernels::rnn_bias_size(cell, H), rng, 0.5);
    wout = random_vector(N * 2 * H, rng);  // over the (N, 2H) output of both directions
    if (masked) {
      mask = random_vector(b.active * E, rng, 1.5);
      rmask = random_vector(b.active * H, rng, 1.5);
    }
  }
  kernels::RnnDims dims() const { return b.dims(E, H); }
  RecurrentParams<const double> weights() const { return {W.data(), U.data(), bias.data()}; }

  // Forward into dc; the loss sum(wout * outputs) in the caller's row order.
  double forward(DirectionCache<double>& dc, std::vector<double>& scratch) const {
    const size_t N = b.packed_rows;
    dc.resize(cell, dims(), N);
    dc.rmask = rmask;
    recurrent_gather_input(dc, in.data(), mask, b, dir, E);
    scratch.resize(recurrent_scratch_size(cell, dims()));
    recurrent_forward(dc, scratch.data(), cell, weights(), dims());
    std::vector<double> out(N * 2 * H, 0.0);
    recurrent_scatter_output(out.data(), dc, b, dir, H, 2 * H);
    return weighted_sum(out, wout);
  }
};

TEST(RecurrentLayer, EveryCellAndDirectionMatchesFiniteDifferences) {
  for (CellType cell : kCells)
    for (size_t dir : {0u, 1u})
      for (bool masked : {false, true}) {
        LayerCase c(cell, dir, masked);
        const std::string what = std::string(to_string(cell)) + " dir " + std::to_string(dir) +
                                 (masked ? " masked" : "");
        const size_t N = c.b.packed_rows, E = c.E, H = c.H;
        DirectionCache<double> dc;
        std::vector<double> scratch;
        auto loss = [&] { return c.forward(dc, scratch); };
        loss();
        dc.dh.assign(N * H, 0.0);
        for (size_t p = 0; p < N; ++p)
          std::copy_n(c.wout.data() + p * 2 * H + dir * H, H,
                      dc.dh.data() + c.b.in_direction(p, dir) * H);
        dc.dx.assign(N * E, 0.0);
        if (cell != CellType::kLstm) dc.dgates.resize(N * kernels::rnn_gate_count(cell) * H);
        std::vector<double> dW(c.W.size()), dU(c.U.size()), db(c.bias.size()), din(N * E, 0.0);
        recurrent_backward(dc, scratch.data(), cell, c.weights(), {dW.data(), dU.data(), db.data()},
                           c.dims());
        recurrent_scatter_input_grad(din.data(), dc, c.mask, c.b, dir, E);
        EXPECT_LT(relative_error(din, numeric_gradient(c.in, loss)), kGradientTolerance) << what;
        EXPECT_LT(relative_error(dW, numeric_gradient(c.W, loss)), kGradientTolerance) << what;
        EXPECT_LT(relative_error(dU, numeric_gradient(c.U, loss)), kGradientTolerance) << what;
        EXPECT_LT(relative_error(db, numeric_gradient(c.bias, loss)), kGradientTolerance) << what;
      }
}

// Projecting each distinct token once and reading the projection by index gives the plain
// path's outputs and, through recurrent_token_backward, its embedding and kernel gradients.
TEST(RecurrentLayer, PerTokenProjectionEqualsProjectingEveryRow) {
  for (size_t dir : {0u, 1u}) {
    LayerCase c(CellType::kLstm, dir, false);
    const size_t N = c.b.packed_rows, E = c.E, H = c.H, G = 4 * H, V = 6;
    Rng rng(5);
    const auto table = random_vector(V * E, rng);
    embedding_forward(c.in.data(), c.b.tokens.data(), table.data(), N, E);
    DirectionCache<double> plain, fast;
    std::vector<double> scratch;
    c.forward(plain, scratch);
    DistinctTokens d;
    find_distinct_tokens(d, c.b.tokens.data(), N, V);
    const size_t Ut = d.tokens.size();
    std::vector<double> ux(Ut * E);
    embedding_forward(ux.data(), d.tokens.data(), table.data(), Ut, E);
    fast.resize(CellType::kLstm, c.dims(), N);
    recurrent_project_tokens(fast, ux.data(), c.weights(), Ut, E, G);
    std::vector<uint32_t> xindex(N);
    for (size_t p = 0; p < N; ++p) xindex[p] = d.slot[c.b.in_direction(p, dir)];
    lstm_forward_indexed(fast, scratch.data(), fast.token_proj.data(), xindex.data(), c.U.data(),
                         c.dims(), false, true);
    EXPECT_LT(max_abs_diff(plain.h_seq, fast.h_seq), 1e-12) << dir;
    // Backward: the same output gradient through both.
    for (DirectionCache<double>* dc : {&plain, &fast}) {
      dc->dh.assign(N * H, 0.0);
      for (size_t p = 0; p < N; ++p) dc->dh[p * H + p % H] = 1.0;
    }
    plain.dx.assign(N * E, 0.0);
    std::vector<double> dW1(c.W.size()), dU1(c.U.size()), db1(c.bias.size());
    std::vector<double> dW2(c.W.size()), dU2(c.U.size()), db2(c.bias.size());
    recurrent_backward(plain, scratch.data(), CellType::kLstm, c.weights(),
                       {dW1.data(), dU1.data(), db1.data()}, c.dims());
    std::vector<double> din(N * E, 0.0), dtable1(V * E, 0.0), dtable2(V * E, 0.0);
    recurrent_scatter_input_grad(din.data(), plain, c.mask, c.b, dir, E);
    embedding_backward(dtable1.data(), c.b.tokens.data(), din.data(), N, E);
    fast.x.clear();
    recurrent_backward(fast, scratch.data(), CellType::kLstm, c.weights(),
                       {dW2.data(), dU2.data(), db2.data()}, c.dims());
    std::vector<double> dux(Ut * E, 0.0);
    recurrent_token_backward(fast, dux.data(), dW2.data(), d.slot.data(),
                             dir == 0 ? nullptr : c.b.mirror.data(), ux.data(), c.W.data(), N, Ut,
                             E, G);
    embedding_backward(dtable2.data(), d.tokens.data(), dux.data(), Ut, E);
    EXPECT_LT(max_abs_diff(dW1, dW2), 1e-12) << dir;
    EXPECT_LT(max_abs_diff(dU1, dU2), 1e-12) << dir;
    EXPECT_LT(max_abs_diff(db1, db2), 1e-12) << dir;
    EXPECT_LT(max_abs_diff(dtable1, dtable2), 1e-12) << dir;
    EXPECT_GT(max_abs_diff(dtable1, std::vector<double>(V * E, 0.0)), 0.0);
  }
}

// GRU and SimpleRNN at inference read their input projection from a per-word table
// (embedding W + b) instead of computing it: the same outputs.
TEST(RecurrentLayer, ProjectedInputsEqualThePlainForward) {
  for (CellType cell : {CellType::kGru, CellType::kSimpleRnn}) {
    LayerCase c(cell, 0, false);
    const size_t N = c.b.packed_rows, E = c.E, V = 6, G = kernels::rnn_gate_count(cell) * c.H;
    Rng rng(8);
    const auto table = random_vector(V * E, rng);
    embedding_forward(c.in.data(), c.b.tokens.data(), table.data(), N, E);
    DirectionCache<double> plain, fast;
    std::vector<double> scratch;
    c.forward(plain, scratch);
    std::vector<double> words(V * G), xproj(N * G);
    kernels::backend<double>().project_inputs(words.data(), G, table.data(), c.W.data(),
                                              c.bias.data(), V, E, G);
    for (size_t p = 0; p < N; ++p)
      std::copy_n(words.data() + static_cast<size_t>(c.b.tokens[p]) * G, G, xproj.data() + p * G);
    fast.resize(cell, c.dims(), N);
    recurrent_forward_projected(fast, scratch.data(), cell, xproj.data(), c.weights(), c.dims());
    EXPECT_LT(max_abs_diff(plain.h_seq, fast.h_seq), 1e-12) << to_string(cell);
  }
}

TEST(RecurrentLayer, CellNamesRoundTrip) {
  for (CellType cell : kCells) EXPECT_EQ(parse_cell(to_string(cell)), cell);
  EXPECT_ANY_THROW(parse_cell("transformer"));
}

}  // namespace
}  // namespace sentiment
