// Batched LSTM on GEMMs over the packed layout of kernels/rnn.h: the input projection of all N
// packed rows is one (N, E) x (E, 4H) GEMM; step t adds (h_{t-1} * rmask) U for its b_t rows
// and runs the cell, in one fused register-blocked kernel where the CPU allows (lstm_step.h),
// else as one GEMM plus one vectorised pointwise pass; backward walks the steps the same way,
// then computes dW, dU and dx for all steps as three large GEMMs after the time loop (for dU
// over the masked h_{t-1} rows, gathered into line with dgates when packed or masked).
#include <algorithm>
#include <cstring>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lstm_step.h"
#include "kernels/cpu/rnn_packed.h"
#include "kernels/cpu/vmath.h"
#include "kernels/lstm.h"
#include "kernels/rnn_int8.h"

namespace sentiment::kernels::cpu {
namespace {

template <typename F>
inline void cell_forward_row(F* __restrict h, F* __restrict c, F* __restrict z,
                             const F* __restrict c_prev, size_t H, size_t count) {
  F* zi = z;
  F* zf = z + H;
  F* zg = z + 2 * H;
  F* zo = z + 3 * H;
  for (size_t k = 0; k < count; ++k) {
    const F i = vmath::sigmoid(zi[k]);
    const F f = vmath::sigmoid(zf[k]);
    const F g = vmath::tanh(zg[k]);
    const F o = vmath::sigmoid(zo[k]);
    const F cn = f * c_prev[k] + i * g;
    zi[k] = i, zf[k] = f, zg[k] = g, zo[k] = o;
    c[k] = cn;
    h[k] = o * vmath::tanh(cn);
  }
}

template <typename F>
inline void cell_backward_row(F* dz, F* __restrict dc, const F* __restrict dh, const F* a,
                              const F* __restrict c, const F* __restrict c_prev, size_t H,
                              size_t count) {
  for (size_t k = 0; k < count; ++k) {
    const F i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
    // tanh(c_t) is recomputed rather than stored: one more transcendental per element
    // instead of another (T, B, H) buffer to write and read back.
    const F tc = vmath::tanh(c[k]);
    const F dck = dc[k] + dh[k] * o * (F(1) - tc * tc);
    dz[k] = dck * g * i * (F(1) - i);
    dz[H + k] = dck * c_prev[k] * f * (F(1) - f);
    dz[2 * H + k] = dck * i * (F(1) - g * g);
    dz[3 * H + k] = dh[k] * tc * o * (F(1) - o);
    dc[k] = dck * f;
  }
}

// Float cell passes: 8 lanes at a time with the vector-extension math, scalar tail.
SENTIMENT_MULTIVERSION
void cell_forward_f32(float* h, float* c, float* z, const float* c_prev, size_t B, size_t H) {
  using namespace vmath;
  const size_t Hv = H - H % kLanes;
  for (size_t n = 0; n < B; ++n) {
    float* zn = z + n * 4 * H;
    float* hn = h + n * H;
    float* cn = c + n * H;
    const float* cp = c_prev + n * H;
    for (size_t k = 0; k < Hv; k += kLanes) {
      const v8f i = sigmoid_vec(load(zn + k));
      const v8f f = sigmoid_vec(load(zn + H + k));
      const v8f g = tanh_vec(load(zn + 2 * H + k));
      const v8f o = sigmoid_vec(load(zn + 3 * H + k));
      const v8f cv = f * load(cp + k) + i * g;
      store(zn + k, i);
      store(zn + H + k, f);
      store(zn + 2 * H + k, g);
      store(zn + 3 * H + k, o);
      store(cn + k, cv);
      store(hn + k, o * tanh_vec(cv));
    }
    if (Hv < H) cell_forward_row(hn + Hv, cn + Hv, zn + Hv, cp + Hv, H, H - Hv);
  }
}

SENTIMENT_MULTIVERSION
void cell_backward_f32(float* dz, float* dc, const float* dh, const float* gates, const float* c,
                       const float* c_prev, size_t B, size_t H) {
  using namespace vmath;
  const size_t Hv = H - H % kLanes;
  for (size_t n = 0; n < B; ++n) {
    float* dzn = dz + n * 4 * H;
    float* dcn = dc + n * H;
    const float* dhn = dh + n * H;
    const float* a = gates + n * 4 * H;
    const float* cn = c + n * H;
    const float* cp = c_prev + n * H;
    for (size_t k = 0; k < Hv; k += kLanes) {
      const v8f i = load(a + k), f = load(a + H + k), g = load(a + 2 * H + k);
      const v8f o = load(a + 3 * H + k);
      const v8f tc = tanh_vec(load(cn + k));
      const v8f dhk = load(dhn + k);
      const v8f dck = load(dcn + k) + dhk * o * (1.0f - tc * tc);
      store(dzn + k, dck * g * i * (1.0f - i));
      store(dzn + H + k, dck * load(cp + k) * f * (1.0f - f));
      store(dzn + 2 * H + k, dck * i * (1.0f - g * g));
      store(dzn + 3 * H + k, dhk * tc * o * (1.0f - o));
      store(dcn + k, dck * f);
    }
    if (Hv < H)
      cell_backward_row(dzn + Hv, dcn + Hv, dhn + Hv, a + Hv, cn + Hv, cp + Hv, H, H - Hv);
  }
}

}  // namespace

template <typename F>
void lstm_cell_forward(F* h, F* c, F* z, const F* c_prev, size_t B, size_t H) noexcept {
  if constexpr (sizeof(F) == sizeof(float)) {
    cell_forward_f32(h, c, z, c_prev, B, H);
  } else {
    for (size_t n = 0; n < B; ++n)
      cell_forward_row(h + n * H, c + n * H, z + n * 4 * H, c_prev + n * H, H, H);
  }
}

template <typename F>
void lstm_cell_backward(F* dz, F* dc, const F* dh, const F* gates, const F* c, const F* c_prev,
                        size_t B, size_t H) noexcept {
  if constexpr (sizeof(F) == sizeof(float)) {
    cell_backward_f32(dz, dc, dh, gates, c, c_prev, B, H);
  } else {
    for (size_t n = 0; n < B; ++n)
      cell_backward_row(dz + n * 4 * H, dc + n * H, dh + n * H, gates + n * 4 * H, c + n * H,
                        c_prev + n * H, H, H);
  }
}

namespace {

// The time loop: packed row p's input projection is xbase + xindex[p] * 4H, or
// xbase + p * 4H when xindex is null (then xbase may equal gates: in place). gates may be
// null (nothing kept for backward); the GEMM path then works in scratch.
template <typename F>
void recurrence_impl(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xbase,
                     const uint32_t* xindex, const F* U, const F* rmask, RnnDims d) noexcept {
  const size_t T = d.T, B = d.B, H = d.H, G = 4 * H;
  F* Up = scratch;                    // 4H^2: U packed for the fused step
  F* h_masked = scratch + 4 * H * H;  // (B, H): h_{t-1} * rmask, the step's recurrent operand
  F* zbuf = h_masked + B * H;         // (B, 4H): the step's gates when gates is null
  bool fused = false;
  if constexpr (sizeof(F) == sizeof(float)) {
    fused = lstm_step_fused_available(H);
    if (fused) lstm_step_pack(Up, nullptr, U, H);
  }
  size_t off = 0;
  for (size_t t = 0; t < T; ++t) {
    const size_t bt = rnn_rows(d, t);
    const size_t prev = rnn_prev_state_row(d, t, off);
    const F* x = xindex ? xbase : xbase + off * G;
    const uint32_t* xi = xindex ? xindex + off : nullptr;
    F* z = gates ? gates + off * G : nullptr;
    const F* h_prev = h_seq + prev * H;
    if (rmask) {
      for (size_t k = 0; k < bt * H; ++k) h_masked[k] = h_prev[k] * rmask[k];
      h_prev = h_masked;
    }
    F* h = h_seq + (B + off) * H;
    F* c = c_seq + (B + off) * H;
    const F* c_prev = c_seq + prev * H;
    off += bt;
    if constexpr (sizeof(F) == sizeof(float)) {
      if (fused) {
        // Indexed rows are scattered over a table that lives in L2 or L3 at best: ask for
        // the next step's rows now, so they arrive while this step computes.
        if (xindex && t + 1 < T)
          for (size_t r = 0, next = rnn_rows(d, t + 1); r < next; ++r)
            for (size_t k = 0; k < G; k += 64 / sizeof(F))
              __builtin_prefetch(xbase + xindex[off + r] * G + k);
        lstm_step_forward_fused(h, c, z, x, xi, h_prev, c_prev, Up, bt, H);
        continue;
      }
    }
    if (!z) z = zbuf;
    if (xi)
      for (size_t r = 0; r < bt; ++r) std::copy_n(x + xi[r] * G, G, z + r * G);
    else if (x != z)
      std::copy(x, x + bt * G, z);
    gemm<F>(Trans::kNo, Trans::kNo, bt, G, H, F(1), h_prev, H, U, G, F(1), z, G);
    lstm_cell_forward(h, c, z, c_prev, bt, H);
  }
}

}  // namespace

template <typename F>
void lstm_recurrence_from(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xproj, const F* U,
                          const F* /*b*/, const F* rmask, RnnDims d) noexcept {
  recurrence_impl(h_seq, c_seq, gates, scratch, xproj, nullptr, U, rmask, d);
}

template <typename F>
void lstm_recurrence_indexed(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xbase,
                             const uint32_t* xindex, const F* U, const F* rmask,
                             RnnDims d) noexcept {
  recurrence_impl(h_seq, c_seq, gates, scratch, xbase, xindex, U, rmask, d);
}

void lstm_recurrence_int8(float* h_seq, float* c_seq, float* gates, float* scratch,
                          int16_t* qscratch, const float* xbase, const uint32_t* xindex,
                          const Int8Matrix& U, const float* /*b*/, RnnDims d) noexcept {
  const size_t B = d.B, H = d.H, G = 4 * H;
  size_t off = 0;
  for (size_t t = 0; t < d.T; ++t) {
    const size_t bt = rnn_rows(d, t), prev = rnn_prev_state_row(d, t, off);
    float* z = gates + off * G;
    if (xindex)
      for (size_t r = 0; r < bt; ++r) std::copy_n(xbase + xindex[off + r] * G, G, z + r * G);
    else if (xbase + off * G != z)
      std::copy_n(xbase + off * G, bt * G, z);
    int8_gemm(z, G, h_seq + prev * H, H, U, bt, 1.0f, qscratch, scratch);
    lstm_cell_forward(h_seq + (B + off) * H, c_seq + (B + off) * H, z, c_seq + prev * H, bt, H);
    off += bt;
  }
}

template <typename F>
void lstm_recurrence(F* h_seq, F* c_seq, F* gates, F* scratch, const F* xproj, const F* U,
                     const F* b, const F* rmask, RnnDims d) noexcept {
  std::fill(h_seq, h_seq + d.B * d.H, F(0));
  std::fill(c_seq, c_seq + d.B * d.H, F(0));
  lstm_recurrence_from(h_seq, c_seq, gates, scratch, xproj, U, b, rmask, d);
}

template <typename F>
void lstm_forward_from(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                       const F* b, const F* rmask, RnnDims d) noexcept {
  const size_t G = 4 * d.H;
  project_inputs(gates, G, x, W, b, rnn_packed_rows(d), d.E, G);
  lstm_recurrence_from(h_seq, c_seq, gates, scratch, gates, U, b, rmask, d);
}

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                  const F* b, const F* rmask, RnnDims d) noexcept {
  std::fill(h_seq, h_seq + d.B * d.H, F(0));
  std::fill(c_seq, c_seq + d.B * d.H, F(0));
  lstm_forward_from(h_seq, c_seq, gates, scratch, x, W, U, b, rmask, d);
}

namespace {

// lstm_backward and lstm_backward_from: from_state adds the h_{-1} term of step 0 to dU
// (zero unless the run started from a given state); dc_seq, dh0 and dc0 may be null.
template <typename F>
void backward_impl(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq,
                   const F* dc_seq, const F* x, const F* W, const F* U, const F* rmask,
                   const F* h_seq, const F* c_seq, const F* gates, RnnDims d, F* dh0, F* dc0,
                   bool from_state) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  if (T == 0) return;
  const size_t N = rnn_packed_rows(d);
  F* UT = scratch;              // 4H^2: U^T packed for the fused step
  F* dh = scratch + 4 * H * H;  // (B, H): dL/dh_{t-1}, GEMM path only
  F* dc = dh + B * H;           // (B, H): dL/dc of the step being processed
  // The last step: only the loss's own dh (and dc_seq) reaches it; no later step adds to c.
  size_t off = N - rnn_rows(d, T - 1);
  {
    const size_t bt = rnn_rows(d, T - 1);
    if (dc_seq)
      std::copy(dc_seq + off * H, dc_seq + (off + bt) * H, dc);
    else
      std::fill(dc, dc + bt * H, F(0));
    lstm_cell_backward(dgates + off * G, dc, dh_seq + off * H, gates + off * G,
                       c_seq + (B + off) * H, c_seq + rnn_prev_state_row(d, T - 1, off) * H, bt, H);
  }
  bool fused = false;
  if constexpr (sizeof(F) == sizeof(float)) {
    fused = lstm_step_fused_available(H);
    if (fused) lstm_step_pack(nullptr, UT, U, H);
  }
  // From step t to t-1: rows [0, b_t) get the recurrent term (dz_t U^T) * rmask on top of the
  // loss's dh_seq; rows [b_t, b_{t-1}) end at step t-1, so they start there with dh_seq alone
  // and dc = 0.
  for (size_t t = T - 1; t > 0; --t) {
    const size_t bt = rnn_rows(d, t), bp = rnn_rows(d, t - 1), op = off - bp;
    const F* dz = dgates + off * G;
    F* dz_prev = dgates + op * G;
    const F* a = gates + op * G;
    const F* c = c_seq + (B + op) * H;
    const F* c_prev = c_seq + rnn_prev_state_row(d, t - 1, op) * H;
    const F* dhs = dh_seq + op * H;
    std::fill(dc + bt * H, dc + bp * H, F(0));
    if (dc_seq)
      for (size_t k = 0; k < bp * H; ++k) dc[k] += dc_seq[op * H + k];
    off = op;
    if constexpr (sizeof(F) == sizeof(float)) {
      if (fused) {
        lstm_step_backward_fused(dz_prev, dc, dz, UT, a, c, c_prev, rmask, dhs, bt, H);
        if (bp > bt)
          lstm_cell_backward(dz_prev + bt * G, dc + bt * H, dhs + bt * H, a + bt * G, c + bt * H,
                             c_prev + bt * H, bp - bt, H);
        continue;
      }
    }
    if (rmask) {
      gemm<F>(Trans::kNo, Trans::kYes, bt, H, G, F(1), dz, G, U, G, F(0), dh, H);
      for (size_t k = 0; k < bt * H; ++k) dh[k] = dh[k] * rmask[k] + dhs[k];
      std::copy(dhs + bt * H, dhs + bp * H, dh + bt * H);
    } else {
      std::copy(dhs, dhs + bp * H, dh);
      gemm<F>(Trans::kNo, Trans::kYes, bt, H, G, F(1), dz, G, U, G, F(1), dh, H);
    }
    lstm_cell_backward(dz_prev, dc, dh, a, c, c_prev, bp, H);
  }
  // dc now holds dL/dc_{-1}; dL/dh_{-1} = (dz_0 U^T) * rmask.
  if (dc0) std::copy(dc, dc + B * H, dc0);
  if (dh0) {
    gemm<F>(Trans::kNo, Trans::kYes, B, H, G, F(1), dgates, G, U, G, F(0), dh0, H);
    if (rmask)
      for (size_t k = 0; k < B * H; ++k) dh0[k] *= rmask[k];
  }
  // dU = sum_t (h_{t-1} * rmask)^T dz_t as one GEMM over the packed rows of steps t0..T-1,
  // where t0 = 1 when step 0's h_{-1} is zero. Unpacked and unmasked, h_seq rows
  // [t0 B, N) already line up with those dgates rows; otherwise the masked h_{t-1} rows are
  // gathered into scratch, free again now that the time loop is done.
  const size_t t0 = from_state ? 0 : 1;
  const size_t first = t0 * B;  // the first packed row of step t0
  if (N > first) {
    const F* h_prev = h_seq + first * H;
    if (d.batch_sizes || rmask) {
      F* gathered = scratch;
      size_t row = 0;                // output row, = packed row - first
      size_t src = t0 == 0 ? 0 : B;  // first state row of h_{t-1}
      for (size_t t = t0; t < T; ++t) {
        const size_t bt = rnn_rows(d, t);
        const F* hp = h_seq + src * H;
        F* out = gathered + row * H;
        if (rmask)
          for (size_t k = 0; k < bt * H; ++k) out[k] = hp[k] * rmask[k];
        else
          std::copy(hp, hp + bt * H, out);
        src = t == 0 ? B : src + rnn_rows(d, t - 1);
        row += bt;
      }
      h_prev = gathered;
    }
    gemm<F>(Trans::kYes, Trans::kNo, H, G, N - first, F(1), h_prev, H, dgates + first * G, G, F(1),
            dU, G);
  }
  if (dW) gemm<F>(Trans::kYes, Trans::kNo, E, G, N, F(1), x, E, dgates, G, F(1), dW, G);
  if (dx) gemm<F>(Trans::kNo, Trans::kYes, N, E, G, F(1), dgates, G, W, G, F(1), dx, E);
  add_column_sums(db, dgates, G, N, G);
}

}  // namespace

template <typename F>
void lstm_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_seq, const F* x,
                   const F* W, const F* U, const F* rmask, const F* h_seq, const F* c_seq,
                   const F* gates, RnnDims d) noexcept {
  backward_impl<F>(dx, dW, dU, db, dgates, scratch, dh_seq, nullptr, x, W, U, rmask, h_seq, c_seq,
                   gates, d, nullptr, nullptr, false);
}

template <typename F>
void lstm_backward_from(F* dh0, F* dc0, F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch,
                        const F* dh_seq, const F* dc_seq, const F* x, const F* W, const F* U,
                        const F* rmask, const F* h_seq, const F* c_seq, const F* gates,
                        RnnDims d) noexcept {
  backward_impl<F>(dx, dW, dU, db, dgates, scratch, dh_seq, dc_seq, x, W, U, rmask, h_seq, c_seq,
                   gates, d, dh0, dc0, true);
}

template RnnForward<float> lstm_forward<float>;
template RnnForward<double> lstm_forward<double>;
template RnnRecurrence<float> lstm_recurrence<float>;
template RnnRecurrence<double> lstm_recurrence<double>;
template RnnBackward<float> lstm_backward<float>;
template RnnBackward<double> lstm_backward<double>;
template RnnForward<float> lstm_forward_from<float>;
template RnnForward<double> lstm_forward_from<double>;
template RnnRecurrence<float> lstm_recurrence_from<float>;
template RnnRecurrence<double> lstm_recurrence_from<double>;
template LstmBackwardFrom<float> lstm_backward_from<float>;
template void lstm_recurrence_indexed<float>(float*, float*, float*, float*, const float*,
                                             const uint32_t*, const float*, const float*,
                                             RnnDims) noexcept;
template void lstm_recurrence_indexed<double>(double*, double*, double*, double*, const double*,
                                              const uint32_t*, const double*, const double*,
                                              RnnDims) noexcept;
template LstmBackwardFrom<double> lstm_backward_from<double>;
template void lstm_cell_forward<float>(float*, float*, float*, const float*, size_t, size_t);
template void lstm_cell_forward<double>(double*, double*, double*, const double*, size_t, size_t);
template void lstm_cell_backward<float>(float*, float*, const float*, const float*, const float*,
                                        const float*, size_t, size_t);
template void lstm_cell_backward<double>(double*, double*, const double*, const double*,
                                         const double*, const double*, size_t, size_t);

}  // namespace sentiment::kernels::cpu
