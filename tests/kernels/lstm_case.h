// What the LSTM kernel tests share: tolerances, the case shapes (plain and packed, masked
// or not), a random case, and one ref:: or cpu:: forward and backward run over it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/lstm.h"
#include "support/gradcheck.h"

namespace sentiment::testing {

using kernels::RnnDims;

// Float forward/backward of the fast kernel agree with the oracle to within accumulated
// rounding: ~1e-6 relative per operation over T = 7 steps; the fast kernel also uses the
// vmath approximations (<= 6e-7 absolute), so 2e-5, relative to the tensor's largest
// magnitude when that exceeds 1 (weight gradients sum over all N rows), leaves headroom.
inline constexpr double kFastVsRefTolerance = 2e-5;
// Double: the two differ only in summation order (BLAS vs loops), ~1e-16 per operation.
inline constexpr double kFastVsRefToleranceDouble = 1e-12;
// Packed vs row-by-row in double: the same arithmetic up to summation order in the GEMMs.
inline constexpr double kPackingTolerance = 1e-12;

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

inline std::string describe(const Shape& s) {
  std::string out = "B " + std::to_string(s.B) + " E " + std::to_string(s.E) + " H " +
                    std::to_string(s.H) + (s.masked ? " masked" : "") + " lengths {";
  for (size_t l : s.lengths) out += std::to_string(l) + " ";
  return out + "} T " + std::to_string(s.T);
}

inline Shape plain(size_t T, size_t B, size_t E, size_t H, Loss loss = Loss::kFinalStep) {
  return {B, E, H, {}, T, false, loss};
}

// Lengths with every kind of step boundary: rows ending together, alone, and a row of one.
inline Shape packed(bool masked, size_t E = 3, size_t H = 4) {
  return {5, E, H, {7, 7, 5, 2, 1}, 0, masked, Loss::kEveryStep};
}

// Largest magnitude of a tensor, at least 1: the scale float rounding is relative to.
template <typename F>
double scale_of(const std::vector<F>& v) {
  double m = 1.0;
  for (F e : v) m = std::max(m, std::abs(static_cast<double>(e)));
  return m;
}

}  // namespace sentiment::testing
