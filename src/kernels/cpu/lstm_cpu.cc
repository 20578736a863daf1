// Batched LSTM on GEMMs: the input projection of all T steps is one (T*B, E) x (E, 4H) GEMM;
// each step adds h_{t-1} U and runs the cell, in one fused register-blocked kernel where the
// CPU allows (lstm_step.h), else as one GEMM plus one vectorised pointwise pass; backward
// walks the steps the same way, then computes dW, dU and dx for all steps as three large
// GEMMs after the time loop.
#include <algorithm>
#include <cstring>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lstm_step.h"
#include "kernels/cpu/vmath.h"
#include "kernels/lstm.h"

// The pointwise passes are compiled for AVX-512, AVX2 and baseline x86-64; the loader
// picks the best one for the running CPU.
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define SENTIMENT_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SENTIMENT_MULTIVERSION
#endif

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
inline void cell_backward_row(F* __restrict dz, F* __restrict dc, const F* __restrict dh,
                              const F* __restrict a, const F* __restrict c,
                              const F* __restrict c_prev, size_t H, size_t count) {
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
      const v8f i = sigmoid_v(load(zn + k));
      const v8f f = sigmoid_v(load(zn + H + k));
      const v8f g = tanh_v(load(zn + 2 * H + k));
      const v8f o = sigmoid_v(load(zn + 3 * H + k));
      const v8f cv = f * load(cp + k) + i * g;
      store(zn + k, i);
      store(zn + H + k, f);
      store(zn + 2 * H + k, g);
      store(zn + 3 * H + k, o);
      store(cn + k, cv);
      store(hn + k, o * tanh_v(cv));
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
      const v8f tc = tanh_v(load(cn + k));
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

template <typename F>
void lstm_recurrence(F* h_seq, F* c_seq, F* gates, F* scratch, const F* U, LstmDims d) noexcept {
  const size_t T = d.T, B = d.B, H = d.H, G = 4 * H;
  std::fill(h_seq, h_seq + B * H, F(0));
  std::fill(c_seq, c_seq + B * H, F(0));
  bool fused = false;
  if constexpr (sizeof(F) == sizeof(float)) {
    fused = lstm_step_fused_available(H);
    if (fused) lstm_step_pack(scratch, nullptr, U, H);
  }
  for (size_t t = 0; t < T; ++t) {
    F* z = gates + t * B * G;
    F* h = h_seq + (t + 1) * B * H;
    F* c = c_seq + (t + 1) * B * H;
    if constexpr (sizeof(F) == sizeof(float)) {
      if (fused) {
        lstm_step_forward_fused(h, c, z, h_seq + t * B * H, c_seq + t * B * H, scratch, B, H);
        continue;
      }
    }
    gemm<F>(Trans::kNo, Trans::kNo, B, G, H, F(1), h_seq + t * B * H, H, U, G, F(1), z, G);
    lstm_cell_forward(h, c, z, c_seq + t * B * H, B, H);
  }
}

template <typename F>
void lstm_forward(F* h_seq, F* c_seq, F* gates, F* scratch, const F* x, const F* W, const F* U,
                  const F* b, LstmDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, G = 4 * d.H;
  for (size_t r = 0; r < T * B; ++r) std::copy(b, b + G, gates + r * G);
  gemm<F>(Trans::kNo, Trans::kNo, T * B, G, E, F(1), x, E, W, G, F(1), gates, G);
  lstm_recurrence(h_seq, c_seq, gates, scratch, U, d);
}

template <typename F>
void lstm_backward(F* dx, F* dW, F* dU, F* db, F* dgates, F* scratch, const F* dh_last, const F* x,
                   const F* W, const F* U, const F* h_seq, const F* c_seq, const F* gates,
                   LstmDims d) noexcept {
  const size_t T = d.T, B = d.B, E = d.E, H = d.H, G = 4 * H;
  F* dh = scratch;
  F* dc = scratch + B * H;
  std::fill(dc, dc + B * H, F(0));
  lstm_cell_backward(dgates + (T - 1) * B * G, dc, dh_last, gates + (T - 1) * B * G,
                     c_seq + T * B * H, c_seq + (T - 1) * B * H, B, H);
  bool fused = false;
  if constexpr (sizeof(F) == sizeof(float)) fused = lstm_step_fused_available(H);
  if (fused) {
    F* UT = scratch + 2 * B * H;
    if constexpr (sizeof(F) == sizeof(float)) lstm_step_pack(nullptr, UT, U, H);
    for (size_t t = T - 1; t > 0; --t) {
      if constexpr (sizeof(F) == sizeof(float))
        lstm_step_backward_fused(dgates + (t - 1) * B * G, dc, dgates + t * B * G, UT,
                                 gates + (t - 1) * B * G, c_seq + t * B * H,
                                 c_seq + (t - 1) * B * H, B, H);
    }
  } else {
    for (size_t t = T - 1; t > 0; --t) {
      gemm<F>(Trans::kNo, Trans::kYes, B, H, G, F(1), dgates + t * B * G, G, U, G, F(0), dh, H);
      lstm_cell_backward(dgates + (t - 1) * B * G, dc, dh, gates + (t - 1) * B * G,
                         c_seq + t * B * H, c_seq + (t - 1) * B * H, B, H);
    }
  }
  const size_t TB = T * B;
  gemm<F>(Trans::kYes, Trans::kNo, H, G, TB, F(1), h_seq, H, dgates, G, F(1), dU, G);
  gemm<F>(Trans::kYes, Trans::kNo, E, G, TB, F(1), x, E, dgates, G, F(1), dW, G);
  gemm<F>(Trans::kNo, Trans::kYes, TB, E, G, F(1), dgates, G, W, G, F(1), dx, E);
  for (size_t r = 0; r < TB; ++r) {
    const F* row = dgates + r * G;
    for (size_t j = 0; j < G; ++j) db[j] += row[j];
  }
}

#define SENTIMENT_INSTANTIATE(F)                                                                   \
  template void lstm_forward<F>(F*, F*, F*, F*, const F*, const F*, const F*, const F*, LstmDims); \
  template void lstm_recurrence<F>(F*, F*, F*, F*, const F*, LstmDims);                            \
  template void lstm_backward<F>(F*, F*, F*, F*, F*, F*, const F*, const F*, const F*, const F*,   \
                                 const F*, const F*, const F*, LstmDims);                          \
  template void lstm_cell_forward<F>(F*, F*, F*, const F*, size_t, size_t);                        \
  template void lstm_cell_backward<F>(F*, F*, const F*, const F*, const F*, const F*, size_t,      \
                                      size_t);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment::kernels::cpu
