// Packed SimpleRNN on GEMMs: the input projection of all N packed rows is one (N, E) x (E, H)
// GEMM straight into the pre-activation cache; each step accumulates (b_t, H) x (H, H) with
// the (masked) previous state into it and applies tanh in one vectorised pass. Backward walks
// the steps the same way, then computes dW, dU and dx for all rows as three large GEMMs.
#include <algorithm>
#include <type_traits>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/rnn_packed.h"
#include "kernels/cpu/vmath.h"
#include "kernels/rnn_int8.h"
#include "kernels/simple_rnn.h"

namespace sentiment::kernels::cpu {
namespace {

// One body for the vector lanes (V = vmath::v8f) and the scalar tails (V = F).
using vmath::ld;
using vmath::st;
using vmath::th;

// One step's rows; row n of every (rows, H) operand is packed row n of the step.
template <typename F>
struct ForwardStep {
  F* h;        // (rows, H) out: h_t
  F* hm;       // (rows, H) out: h_t * m, the next step's GEMM operand; null without a mask
  const F* a;  // (rows, H) pre-activations
  const F* m;  // (rows, H) recurrent dropout mask, or null
  size_t rows;
  size_t H;
};

template <typename F>
struct BackwardStep {
  F* da;          // (rows, H) out: dL/da_t
  F* hpm;         // (rows, H) out: h_{t-1} * m, gathered for the dU GEMM
  const F* drec;  // (carried, H) da_{t+1} U^T, before the mask
  const F* dhs;   // (rows, H) dL/dh_t from the loss
  const F* h;     // (rows, H) h_t
  const F* hp;    // (rows, H) h_{t-1}
  const F* m;     // (rows, H) recurrent dropout mask, or null
  size_t rows;
  size_t carried;  // rows that continue to step t+1 (b_{t+1}; 0 at the last step)
  size_t H;
};

template <typename V, typename F, bool kMasked>
[[gnu::always_inline]] inline void forward_lanes(const ForwardStep<F>& s, size_t i) {
  const V h = th(ld<V>(s.a + i));
  st(s.h + i, h);
  if constexpr (kMasked) st(s.hm + i, h * ld<V>(s.m + i));
}

template <typename V, typename F, bool kMasked, bool kCarried>
[[gnu::always_inline]] inline void backward_lanes(const BackwardStep<F>& s, size_t i) {
  V dh = ld<V>(s.dhs + i);
  if constexpr (kCarried) {
    const V rec = ld<V>(s.drec + i);
    dh += kMasked ? rec * ld<V>(s.m + i) : rec;
  }
  const V h = ld<V>(s.h + i), hp = ld<V>(s.hp + i);
  st(s.da + i, dh * ((V{} + F(1)) - h * h));
  st(s.hpm + i, kMasked ? hp * ld<V>(s.m + i) : hp);
}

// Every operand is (rows, H) with rows contiguous, so each pass is one flat loop over
// [i0, i1): float 8 lanes at a time with the vmath vector math, then a scalar tail.
template <typename F, bool kMasked>
[[gnu::always_inline]] inline void forward_pass(const ForwardStep<F>& s) {
  constexpr size_t L = std::is_same_v<F, float> ? vmath::kLanes : 1;
  const size_t n = s.rows * s.H;
  size_t i = 0;
  if constexpr (L > 1)
    for (; i + L <= n; i += L) forward_lanes<vmath::v8f, F, kMasked>(s, i);
  for (; i < n; ++i) forward_lanes<F, F, kMasked>(s, i);
}

template <typename F, bool kMasked, bool kCarried>
[[gnu::always_inline]] inline void backward_range(const BackwardStep<F>& s, size_t i, size_t i1) {
  constexpr size_t L = std::is_same_v<F, float> ? vmath::kLanes : 1;
  if constexpr (L > 1)
    for (; i + L <= i1; i += L) backward_lanes<vmath::v8f, F, kMasked, kCarried>(s, i);
  for (; i < i1; ++i) backward_lanes<F, F, kMasked, kCarried>(s, i);
}

template <typename F, bool kMasked>
[[gnu::always_inline]] inline void backward_pass(const BackwardStep<F>& s) {
  backward_range<F, kMasked, true>(s, 0, s.carried * s.H);
  backward_range<F, kMasked, false>(s, s.carried * s.H, s.rows * s.H);
}

// Float runs in the clone for the CPU at hand (vmath.h); double has no vector path.
SENTIMENT_MULTIVERSION
void run_forward_pass(const ForwardStep<float>& s) {
  s.m ? forward_pass<float, true>(s) : forward_pass<float, false>(s);
}
void run_forward_pass(const ForwardStep<double>& s) {
  s.m ? forward_pass<double, true>(s) : forward_pass<double, false>(s);
}

SENTIMENT_MULTIVERSION
void run_backward_pass(const BackwardStep<float>& s) {
  s.m ? backward_pass<float, true>(s) : backward_pass<float, false>(s);
}
void run_backward_pass(const BackwardStep<double>& s) {
  s.m ? backward_pass<double, true>(s) : backward_pass<double, false>(s);
}

// The time loop. accumulate(z, h, rows) adds the step's recurrent product h (rows, H) U to
// z (rows, H): a float GEMM, or the int8 one (simple_rnn_recurrence_int8).
template <typename F, typename Accumulate>
void recurrence(F* h_seq, F* gates, F* hm, const F* xproj, Accumulate&& accumulate, const F* rmask,
                const RnnDims& d) {
  const size_t B = d.B, H = d.H;
  if (xproj != gates) std::copy(xproj, xproj + rnn_packed_rows(d) * H, gates);
  std::fill(h_seq, h_seq + B * H, F(0));
  size_t off = 0;  // first packed row of step t
  for (size_t t = 0; t < d.T; ++t) {
    const size_t bt = rnn_rows(d, t), prev = rnn_prev_state_row(d, t, off);
    // At t = 0, h_{-1} = 0 contributes nothing.
    if (t > 0) accumulate(gates + off * H, rmask ? hm : h_seq + prev * H, bt);
    run_forward_pass({h_seq + (B + off) * H, rmask ? hm : nullptr, gates + off * H, rmask, bt, H});
    off += bt;
  }
}

}  // namespace

template <typename F>
void simple_rnn_recurrence(F* h_seq, F* /*c_seq*/, F* gates, F* scratch, const F* xproj, const F* U,
                           const F* /*b*/, const F* rmask, RnnDims d) noexcept {
  const size_t H = d.H;
  recurrence(
      h_seq, gates, scratch, xproj,
      [&](F* z, const F* h, size_t rows) {
        gemm<F>(Trans::kNo, Trans::kNo, rows, H, H, F(1), h, H, U, H, F(1), z, H);
      },
      rmask, d);
}

void simple_rnn_recurrence_int8(float* h_seq, float* /*c_seq*/, float* gates, float* scratch,
                                int16_t* qscratch, const float* xbase, const uint32_t* /*xindex*/,
                                const Int8Matrix& U, const float* /*b*/, RnnDims d) noexcept {
  recurrence(
      h_seq, gates, static_cast<float*>(nullptr), xbase,
      [&](float* z, const float* h, size_t rows) {
        int8_gemm(z, d.H, h, d.H, U, rows, 1.0f, qscratch, scratch);
      },
      static_cast<const float*>(nullptr), d);
}

template <typename F>
void simple_rnn_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W,
                        const F* U, const F* b, const F* rmask, RnnDims d) noexcept {
  project_inputs(gates, d.H, x, W, b, rnn_packed_rows(d), d.E, d.H);
  simple_rnn_recurrence(h_seq, c_seq, gates, scratch, gates, U, b, rmask, d);
}

template <typename F>
void simple_rnn_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq,
                         const F* x, const F* W, const F* U, const F* rmask, const F* h_seq,
                         const F* /*c_seq*/, const F* /*gates*/, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H, N = rnn_packed_rows(d);
  F* drec = scratch;         // (B, H)
  F* hpm = scratch + B * H;  // (N, H)
  size_t off = N;
  for (size_t t = d.T; t-- > 0;) {
    const size_t bt = rnn_rows(d, t);
    off -= bt;
    const size_t prev = rnn_prev_state_row(d, t, off);
    const size_t carried = t + 1 < d.T ? rnn_rows(d, t + 1) : 0;
    run_backward_pass({dgates + off * H, hpm + off * H, drec, dh_seq + off * H,
                       h_seq + (B + off) * H, h_seq + prev * H, rmask, bt, carried, H});
    if (t > 0)
      gemm<F>(Trans::kNo, Trans::kYes, bt, H, H, F(1), dgates + off * H, H, U, H, F(0), drec, H);
  }
  gemm<F>(Trans::kYes, Trans::kNo, H, H, N, F(1), hpm, H, dgates, H, F(1), dU, H);
  gemm<F>(Trans::kYes, Trans::kNo, E, H, N, F(1), x, E, dgates, H, F(1), dW, H);
  if (dx) gemm<F>(Trans::kNo, Trans::kYes, N, E, H, F(1), dgates, H, W, H, F(1), dx, E);
  add_column_sums(db, dgates, H, N, H);
}

template RnnForward<float> simple_rnn_forward<float>;
template RnnForward<double> simple_rnn_forward<double>;
template RnnRecurrence<float> simple_rnn_recurrence<float>;
template RnnRecurrence<double> simple_rnn_recurrence<double>;
template RnnBackward<float> simple_rnn_backward<float>;
template RnnBackward<double> simple_rnn_backward<double>;

}  // namespace sentiment::kernels::cpu
