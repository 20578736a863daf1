// Packed GRU on GEMMs: the input projection of all N packed rows is one (N, E) x (E, 3H) GEMM;
// each step is one (b_t, H) x (H, 3H) GEMM with the (masked) previous state plus one fused,
// vectorised pointwise pass for all three gates and the state update. Backward walks the
// steps the same way (one (b_t, 3H) x (3H, H) GEMM plus one pass each), then computes dW, dU
// and dx for all rows as large GEMMs after the time loop.
#include <algorithm>
#include <type_traits>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/rnn_packed.h"
#include "kernels/cpu/vmath.h"
#include "kernels/gru.h"
#include "kernels/rnn_int8.h"

namespace sentiment::kernels::cpu {
namespace {

// One body for the vector lanes (V = vmath::v8f) and the scalar tails (V = F).
using vmath::ld;
using vmath::sig;
using vmath::st;
using vmath::th;

// One step's rows for the forward pass. Row n of every (rows, .) operand is packed row n of
// the step.
template <typename F>
struct ForwardStep {
  F* h;         // (rows, H) out: h_t
  F* hm;        // (rows, H) out: h_t * m, the next step's GEMM operand; null without a mask
  F* a;         // (rows, 4H) out: z, r, n, hh; may alias xp (each lane is read, then written)
  const F* xp;  // (rows, ldx) x W + b_i
  size_t ldx;
  const F* hq;  // (rows, 3H) (h_{t-1} * m) U, without b_r
  const F* br;  // (3H) recurrent bias
  const F* hp;  // (rows, H) h_{t-1}
  const F* m;   // (rows, H) recurrent dropout mask, or null
  size_t rows;
  size_t H;
};

template <typename V, typename F, bool kMasked>
[[gnu::always_inline]] inline void forward_lanes(const ForwardStep<F>& s, size_t n, size_t k) {
  const size_t H = s.H;
  const F* xp = s.xp + n * s.ldx + k;
  const F* hq = s.hq + n * 3 * H + k;
  const F* br = s.br + k;
  F* a = s.a + n * 4 * H + k;
  const V one = V{} + F(1);
  const V z = sig(ld<V>(xp) + ld<V>(hq) + ld<V>(br));
  const V r = sig(ld<V>(xp + H) + ld<V>(hq + H) + ld<V>(br + H));
  const V hh = ld<V>(hq + 2 * H) + ld<V>(br + 2 * H);
  const V nc = th(ld<V>(xp + 2 * H) + r * hh);
  const V h = z * ld<V>(s.hp + n * H + k) + (one - z) * nc;
  st(a, z);
  st(a + H, r);
  st(a + 2 * H, nc);
  st(a + 3 * H, hh);
  st(s.h + n * H + k, h);
  if constexpr (kMasked) st(s.hm + n * H + k, h * ld<V>(s.m + n * H + k));
}

// One step's rows for the backward pass.
template <typename F>
struct BackwardStep {
  F* dg;          // (rows, 3H) out: gradients of [hz, hr, hh]
  F* dxh;         // (rows, H) out: dn = dL/d(xh + r hh); the h block of dg is r dn
  F* hpm;         // (rows, H) out: h_{t-1} * m, gathered for the dU GEMM
  F* dd;          // (rows, H) in: dL/dh_{t+1} z_{t+1} (first `carried` rows), out: dL/dh_t z_t
  const F* drec;  // (carried, H) d[hz, hr, hh] U^T of step t+1, before the mask
  const F* dhs;   // (rows, H) dL/dh_t from the loss
  const F* a;     // (rows, 4H) z, r, n, hh from forward
  const F* hp;    // (rows, H) h_{t-1}
  const F* m;     // (rows, H) recurrent dropout mask, or null
  size_t rows;
  size_t carried;  // rows that continue to step t+1 (b_{t+1}; 0 at the last step)
  size_t H;
};

template <typename V, typename F, bool kMasked, bool kCarried>
[[gnu::always_inline]] inline void backward_lanes(const BackwardStep<F>& s, size_t n, size_t k) {
  const size_t H = s.H;
  const size_t row = n * H + k;
  const F* a = s.a + n * 4 * H + k;
  F* dg = s.dg + n * 3 * H + k;
  const V one = V{} + F(1);
  V dh = ld<V>(s.dhs + row);
  if constexpr (kCarried) {
    const V rec = ld<V>(s.drec + row);
    dh += ld<V>(s.dd + row) + (kMasked ? rec * ld<V>(s.m + row) : rec);
  }
  const V z = ld<V>(a), r = ld<V>(a + H), nc = ld<V>(a + 2 * H), hh = ld<V>(a + 3 * H);
  const V hp = ld<V>(s.hp + row);
  const V dn = dh * (one - z) * (one - nc * nc);
  st(dg, dh * (hp - nc) * z * (one - z));
  st(dg + H, dn * hh * r * (one - r));
  st(dg + 2 * H, dn * r);
  st(s.dxh + row, dn);
  st(s.dd + row, dh * z);
  st(s.hpm + row, kMasked ? hp * ld<V>(s.m + row) : hp);
}

// Float: 8 lanes at a time with the vmath vector math, scalar tail. Double: scalar.
template <typename F, bool kMasked>
[[gnu::always_inline]] inline void forward_pass(const ForwardStep<F>& s) {
  constexpr size_t L = std::is_same_v<F, float> ? vmath::kLanes : 1;
  const size_t Hv = s.H - s.H % L;
  for (size_t n = 0; n < s.rows; ++n) {
    size_t k = 0;
    if constexpr (L > 1)
      for (; k < Hv; k += L) forward_lanes<vmath::v8f, F, kMasked>(s, n, k);
    for (; k < s.H; ++k) forward_lanes<F, F, kMasked>(s, n, k);
  }
}

template <typename F, bool kMasked, bool kCarried>
[[gnu::always_inline]] inline void backward_rows(const BackwardStep<F>& s, size_t n0, size_t n1) {
  constexpr size_t L = std::is_same_v<F, float> ? vmath::kLanes : 1;
  const size_t Hv = s.H - s.H % L;
  for (size_t n = n0; n < n1; ++n) {
    size_t k = 0;
    if constexpr (L > 1)
      for (; k < Hv; k += L) backward_lanes<vmath::v8f, F, kMasked, kCarried>(s, n, k);
    for (; k < s.H; ++k) backward_lanes<F, F, kMasked, kCarried>(s, n, k);
  }
}

template <typename F, bool kMasked>
[[gnu::always_inline]] inline void backward_pass(const BackwardStep<F>& s) {
  backward_rows<F, kMasked, true>(s, 0, s.carried);
  backward_rows<F, kMasked, false>(s, s.carried, s.rows);
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

// The time loop; xp has leading dimension ldx so that gru_forward can keep the input
// projection in the gates cache itself (ldx = 4H), overwritten step by step. multiply(hq,
// h, rows) writes the step's recurrent product hq (rows, 3H) = h (rows, H) U: a float GEMM,
// or the int8 one (gru_recurrence_int8). hq (B, 3H) and hm (B, H) are workspaces.
template <typename F, typename Multiply>
void recurrence(F* h_seq, F* gates, F* hq, F* hm, const F* xp, size_t ldx, Multiply&& multiply,
                const F* br, const F* rmask, const RnnDims& d) {
  const size_t B = d.B, H = d.H, G = 3 * H;
  std::fill(h_seq, h_seq + B * H, F(0));
  size_t off = 0;  // first packed row of step t
  for (size_t t = 0; t < d.T; ++t) {
    const size_t bt = rnn_rows(d, t), prev = rnn_prev_state_row(d, t, off);
    if (t == 0)
      std::fill(hq, hq + bt * G, F(0));  // h_{-1} = 0: nothing to multiply
    else
      multiply(hq, rmask ? hm : h_seq + prev * H, bt);
    run_forward_pass({h_seq + (B + off) * H, rmask ? hm : nullptr, gates + off * 4 * H,
                      xp + off * ldx, ldx, hq, br, h_seq + prev * H, rmask, bt, H});
    off += bt;
  }
}

// The float step product: (rows, H) x U (H, 3H) into scratch's (B, 3H) block.
template <typename F>
void recurrence_float(F* h_seq, F* gates, F* scratch, const F* xp, size_t ldx, const F* U,
                      const F* br, const F* rmask, const RnnDims& d) {
  const size_t H = d.H, G = 3 * H;
  recurrence(
      h_seq, gates, scratch, scratch + d.B * G, xp, ldx,
      [&](F* hq, const F* h, size_t rows) {
        gemm<F>(Trans::kNo, Trans::kNo, rows, G, H, F(1), h, H, U, G, F(0), hq, G);
      },
      br, rmask, d);
}

}  // namespace

template <typename F>
void gru_recurrence(F* h_seq, F* /*c_seq*/, F* gates, F* scratch, const F* xproj, const F* U,
                    const F* b, const F* rmask, RnnDims d) noexcept {
  recurrence_float(h_seq, gates, scratch, xproj, 3 * d.H, U, b + 3 * d.H, rmask, d);
}

void gru_recurrence_int8(float* h_seq, float* /*c_seq*/, float* gates, float* scratch,
                         int16_t* qscratch, const float* xbase, const uint32_t* /*xindex*/,
                         const Int8Matrix& U, const float* b, RnnDims d) noexcept {
  float* sa = scratch + 3 * d.B * d.H;
  recurrence(
      h_seq, gates, scratch, static_cast<float*>(nullptr), xbase, 3 * d.H,
      [&](float* hq, const float* h, size_t rows) {
        int8_gemm(hq, 3 * d.H, h, d.H, U, rows, 0.0f, qscratch, sa);
      },
      b + 3 * d.H, static_cast<const float*>(nullptr), d);
}

template <typename F>
void gru_forward(F* h_seq, F* /*c_seq*/, F* gates, F* scratch, const F* x, const F* W, const F* U,
                 const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t G = 3 * d.H, ld = 4 * d.H;
  project_inputs(gates, ld, x, W, b, rnn_packed_rows(d), d.E, G);
  recurrence_float(h_seq, gates, scratch, gates, ld, U, b + G, rmask, d);
}

template <typename F>
void gru_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq, const F* x,
                  const F* W, const F* U, const F* rmask, const F* h_seq, const F* /*c_seq*/,
                  const F* gates, RnnDims d) noexcept {
  const size_t B = d.B, E = d.E, H = d.H, G = 3 * H, N = rnn_packed_rows(d);
  F* dd = scratch;        // (B, H)
  F* drec = dd + B * H;   // (B, H)
  F* dxh = drec + B * H;  // (N, H)
  F* hpm = dxh + N * H;   // (N, H)
  size_t off = N;
  for (size_t t = d.T; t-- > 0;) {
    const size_t bt = rnn_rows(d, t);
    off -= bt;
    const size_t prev = rnn_prev_state_row(d, t, off);
    const size_t carried = t + 1 < d.T ? rnn_rows(d, t + 1) : 0;
    run_backward_pass({dgates + off * G, dxh + off * H, hpm + off * H, dd, drec, dh_seq + off * H,
                       gates + off * 4 * H, h_seq + prev * H, rmask, bt, carried, H});
    if (t > 0)
      gemm<F>(Trans::kNo, Trans::kYes, bt, H, G, F(1), dgates + off * G, G, U, G, F(0), drec, H);
  }
  // The input projection's gradient is [dz, dr, dxh]: the first two blocks of dgates, then
  // dxh, hence two GEMMs each for dW and dx.
  gemm<F>(Trans::kYes, Trans::kNo, H, G, N, F(1), hpm, H, dgates, G, F(1), dU, G);
  gemm<F>(Trans::kYes, Trans::kNo, E, 2 * H, N, F(1), x, E, dgates, G, F(1), dW, G);
  gemm<F>(Trans::kYes, Trans::kNo, E, H, N, F(1), x, E, dxh, H, F(1), dW + 2 * H, G);
  if (dx) {
    gemm<F>(Trans::kNo, Trans::kYes, N, E, 2 * H, F(1), dgates, G, W, G, F(1), dx, E);
    gemm<F>(Trans::kNo, Trans::kYes, N, E, H, F(1), dxh, H, W + 2 * H, G, F(1), dx, E);
  }
  // b_i sees [dz, dr, dn] like W, b_r sees dgates like U: one pass over the rows for both,
  // as three add_column_sums passes would read dgates twice.
  F* dbi = db;
  F* dbr = db + G;
  for (size_t r = 0; r < N; ++r) {
    const F* dg = dgates + r * G;
    const F* dn = dxh + r * H;
    for (size_t j = 0; j < 2 * H; ++j) dbi[j] += dg[j];
    for (size_t k = 0; k < H; ++k) dbi[2 * H + k] += dn[k];
    for (size_t j = 0; j < G; ++j) dbr[j] += dg[j];
  }
}

template RnnForward<float> gru_forward<float>;
template RnnForward<double> gru_forward<double>;
template RnnRecurrence<float> gru_recurrence<float>;
template RnnRecurrence<double> gru_recurrence<double>;
template RnnBackward<float> gru_backward<float>;
template RnnBackward<double> gru_backward<double>;

}  // namespace sentiment::kernels::cpu
