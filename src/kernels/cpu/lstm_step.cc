// Register-blocked fused LSTM steps. A block covers R rows of the batch and L units (one
// vector) of every gate, so it holds 4R vector accumulators: exactly the i, f, g, o values
// the cell needs for those units, computed and consumed in registers.
//   forward:  acc[g][r] = z[r, gH + k0..] + sum_k h_prev[r, k] U[k, gH + k0..]
//   backward: acc[r][v] = sum_j dz[r, j] UT[j, k0 + vL..]   (dh_{t-1} = acc * rmask + dh_add)
// Block sizes fit the register file: AVX2 has 16 vector registers (forward R = 3: 12
// accumulators, 3 broadcasts, 1 weight vector; backward R = 6, NV = 2: 12 accumulators, 2
// weight vectors, 1 broadcast), AVX-512 has 32 (R = 6 both ways). Twelve independent FMA
// chains keep both FMA pipes busy past their 4-cycle latency; with the backward step's
// earlier R = 4 (8 chains) kernels_bench took 24.6 instead of 22.5 us at B = 30 (and about
// the same at B = 32, where R = 6 leaves a two-row tail; splitting that as 4 + 4 rows
// instead gained under 2%, within noise, so it was left out).
#include "kernels/cpu/lstm_step.h"

#include <cassert>

#include "kernels/cpu/vmath.h"

namespace sentiment::kernels::cpu {
namespace {

using vmath::load_vec;
using vmath::sigmoid_vec;
using vmath::store_vec;
using vmath::tanh_vec;

// The hand-written asm below is GCC's: Clang checks an asm operand's register class where
// the template is instantiated, outside the target("avx2") / target("avx512f") functions it
// is inlined into, and refuses 32- and 64-byte "v" operands there. Clang builds (the fuzz
// preset: Clang 14) take the plain vector-extension code instead, which Clang compiles to
// the same broadcast and FMA loop, with the same products summed in the same order.
#if defined(__clang__)
constexpr bool kAsmKernels = false;

template <typename V>
[[gnu::always_inline]] inline V broadcast_vec(float x) {
  return x + V{};
}
#else
constexpr bool kAsmKernels = true;

// Every lane x. Inside a target("avx2") clone GCC 12 at -O3 builds a float's broadcast from
// eight vinsertps; one vbroadcastss from a register is what is meant.
template <typename V>
[[gnu::always_inline]] inline V broadcast_vec(float x) {
  V v;
  asm("vbroadcastss %x1, %0" : "=v"(v) : "v"(x));
  return v;
}

// The AVX2 forward block's k loop (R = 3, L = 8): acc[g][r] += h_prev[r, k] * Up[k, g] over
// k < H, with the three rows' h_prev at h, h + hs and h + 2 hs (hs in bytes). Written out
// because it needs all 16 registers (12 accumulators, 3 broadcasts, 1 weight vector): GCC
// 12 keeps one accumulator on the stack whatever the source says, which puts a store-to-
// load round trip into every iteration's dependency chain (kernels_bench: the fused step at
// B = 32 went from 35 to 24-28 us). It forms the same products and sums them in the same
// order as the generic loop below.
[[gnu::always_inline]] inline void forward_k_loop_avx2(vmath::v8f (&acc)[4][3], const float* h,
                                                       size_t hs, const float* Up, size_t H) {
  const float* const end = Up + H * 32;
  asm("1:\n\t"
      "vbroadcastss (%[h]), %%ymm12\n\t"
      "vbroadcastss (%[h],%[hs],1), %%ymm13\n\t"
      "vbroadcastss (%[h],%[hs],2), %%ymm14\n\t"
      "vmovups (%[u]), %%ymm15\n\t"
      "vfmadd231ps %%ymm15, %%ymm12, %[a00]\n\t"
      "vfmadd231ps %%ymm15, %%ymm13, %[a01]\n\t"
      "vfmadd231ps %%ymm15, %%ymm14, %[a02]\n\t"
      "vmovups 32(%[u]), %%ymm15\n\t"
      "vfmadd231ps %%ymm15, %%ymm12, %[a10]\n\t"
      "vfmadd231ps %%ymm15, %%ymm13, %[a11]\n\t"
      "vfmadd231ps %%ymm15, %%ymm14, %[a12]\n\t"
      "vmovups 64(%[u]), %%ymm15\n\t"
      "vfmadd231ps %%ymm15, %%ymm12, %[a20]\n\t"
      "vfmadd231ps %%ymm15, %%ymm13, %[a21]\n\t"
      "vfmadd231ps %%ymm15, %%ymm14, %[a22]\n\t"
      "vmovups 96(%[u]), %%ymm15\n\t"
      "vfmadd231ps %%ymm15, %%ymm12, %[a30]\n\t"
      "vfmadd231ps %%ymm15, %%ymm13, %[a31]\n\t"
      "vfmadd231ps %%ymm15, %%ymm14, %[a32]\n\t"
      "add $4, %[h]\n\t"
      "add $128, %[u]\n\t"
      "cmp %[end], %[u]\n\t"
      "jne 1b"
      : [a00] "+v"(acc[0][0]), [a01] "+v"(acc[0][1]), [a02] "+v"(acc[0][2]), [a10] "+v"(acc[1][0]),
        [a11] "+v"(acc[1][1]), [a12] "+v"(acc[1][2]), [a20] "+v"(acc[2][0]), [a21] "+v"(acc[2][1]),
        [a22] "+v"(acc[2][2]), [a30] "+v"(acc[3][0]), [a31] "+v"(acc[3][1]), [a32] "+v"(acc[3][2]),
        [h] "+r"(h), [u] "+r"(Up)
      : [hs] "r"(hs), [end] "r"(end)
      : "ymm12", "ymm13", "ymm14", "ymm15", "memory", "cc");
}
#endif

// Up is the unit block's slice of the packed U: H rows of 4L floats (gates i, f, g, o).
template <typename V, size_t R>
[[gnu::always_inline]] inline void forward_block(float* h, float* c, float* z, const float* xbase,
                                                 const uint32_t* xindex, const float* h_prev,
                                                 const float* c_prev, const float* Up, size_t H,
                                                 size_t r0, size_t k0) {
  constexpr size_t L = sizeof(V) / sizeof(float);
  const size_t G = 4 * H;
  V acc[4][R];
  for (size_t r = 0; r < R; ++r) {
    const float* x = xbase + (xindex ? xindex[r0 + r] : r0 + r) * G + k0;
    for (size_t g = 0; g < 4; ++g) acc[g][r] = load_vec<V>(x + g * H);
  }
  if constexpr (kAsmKernels && std::is_same_v<V, vmath::v8f> && R == 3) {
    forward_k_loop_avx2(acc, h_prev + r0 * H, H * sizeof(float), Up, H);
  } else {
    for (size_t k = 0; k < H; ++k) {
      V hk[R];
      for (size_t r = 0; r < R; ++r) hk[r] = broadcast_vec<V>(h_prev[(r0 + r) * H + k]);
      const float* u = Up + k * 4 * L;
      for (size_t g = 0; g < 4; ++g) {
        const V w = load_vec<V>(u + g * L);
        for (size_t r = 0; r < R; ++r) acc[g][r] += hk[r] * w;
      }
    }
  }
  for (size_t r = 0; r < R; ++r) {
    const V i = sigmoid_vec(acc[0][r]), f = sigmoid_vec(acc[1][r]);
    const V g = tanh_vec(acc[2][r]), o = sigmoid_vec(acc[3][r]);
    const V cn = f * load_vec<V>(c_prev + (r0 + r) * H + k0) + i * g;
    if (z) {
      float* zr = z + (r0 + r) * G + k0;
      store_vec(zr, i);
      store_vec(zr + H, f);
      store_vec(zr + 2 * H, g);
      store_vec(zr + 3 * H, o);
    }
    store_vec(c + (r0 + r) * H + k0, cn);
    store_vec(h + (r0 + r) * H + k0, o * tanh_vec(cn));
  }
}

// Units outermost: a unit block's packed slice of U (H x 4L floats, 8 KB for AVX2) stays in
// L1 while every row block of the batch streams past it.
template <typename V, size_t R>
[[gnu::always_inline]] inline void forward_rows(float* h, float* c, float* z, const float* xbase,
                                                const uint32_t* xindex, const float* h_prev,
                                                const float* c_prev, const float* Up, size_t B,
                                                size_t H) {
  constexpr size_t L = sizeof(V) / sizeof(float);
  for (size_t k0 = 0; k0 < H; k0 += L) {
    const float* slice = Up + k0 * 4 * H;  // block k0 / L holds H * 4L floats
    size_t r0 = 0;
    for (; r0 + R <= B; r0 += R)
      forward_block<V, R>(h, c, z, xbase, xindex, h_prev, c_prev, slice, H, r0, k0);
    for (; r0 < B; ++r0)
      forward_block<V, 1>(h, c, z, xbase, xindex, h_prev, c_prev, slice, H, r0, k0);
  }
}

// UTp is the unit block's slice of the packed U^T: 4H rows of NV*L floats.
template <typename V, size_t R, size_t NV>
[[gnu::always_inline]] inline void backward_block(float* dz_prev, float* dc, const float* dz,
                                                  const float* UTp, const float* gates_prev,
                                                  const float* c_prev, const float* c_prev2,
                                                  const float* rmask, const float* dh_add, size_t H,
                                                  size_t r0, size_t k0) {
  constexpr size_t L = sizeof(V) / sizeof(float);
  const size_t G = 4 * H;
  V acc[R][NV];
  for (size_t r = 0; r < R; ++r)
    for (size_t v = 0; v < NV; ++v) acc[r][v] = V{};
  for (size_t j = 0; j < G; ++j) {
    V w[NV];
    for (size_t v = 0; v < NV; ++v) w[v] = load_vec<V>(UTp + j * NV * L + v * L);
    for (size_t r = 0; r < R; ++r) {
      const V d = broadcast_vec<V>(dz[(r0 + r) * G + j]);
      for (size_t v = 0; v < NV; ++v) acc[r][v] += d * w[v];
    }
  }
  // acc is the recurrent part of dh_{t-1}; the cell backward of step t-1 for these rows and
  // units (docs/lstm.md). The two optional terms cost a test per block, not per FMA.
  for (size_t r = 0; r < R; ++r)
    for (size_t v = 0; v < NV; ++v) {
      const size_t row = r0 + r, k = k0 + v * L;
      const float* a = gates_prev + row * G + k;
      const V i = load_vec<V>(a), f = load_vec<V>(a + H), g = load_vec<V>(a + 2 * H);
      const V o = load_vec<V>(a + 3 * H);
      const V tc = tanh_vec(load_vec<V>(c_prev + row * H + k));
      V dh = acc[r][v];
      if (rmask) dh *= load_vec<V>(rmask + row * H + k);
      if (dh_add) dh += load_vec<V>(dh_add + row * H + k);
      const V dck = load_vec<V>(dc + row * H + k) + dh * o * (1.0f - tc * tc);
      float* out = dz_prev + row * G + k;
      store_vec(out, dck * g * i * (1.0f - i));
      store_vec(out + H, dck * load_vec<V>(c_prev2 + row * H + k) * f * (1.0f - f));
      store_vec(out + 2 * H, dck * i * (1.0f - g * g));
      store_vec(out + 3 * H, dh * tc * o * (1.0f - o));
      store_vec(dc + row * H + k, dck * f);
    }
}

// Units outermost, as in forward: a unit block's packed slice of U^T (4H x NV*L floats,
// 16 KB for AVX2) stays in L1 across the row blocks. H is a multiple of NV*L.
template <typename V, size_t R, size_t NV>
[[gnu::always_inline]] inline void backward_rows(float* dz_prev, float* dc, const float* dz,
                                                 const float* UTp, const float* gates_prev,
                                                 const float* c_prev, const float* c_prev2,
                                                 const float* rmask, const float* dh_add, size_t B,
                                                 size_t H) {
  constexpr size_t L = sizeof(V) / sizeof(float);
  constexpr size_t kStep = NV * L;
  for (size_t k0 = 0; k0 < H; k0 += kStep) {
    const float* slice = UTp + k0 * 4 * H;  // block k0 / kStep holds 4H * kStep floats
    size_t r0 = 0;
    for (; r0 + R <= B; r0 += R)
      backward_block<V, R, NV>(dz_prev, dc, dz, slice, gates_prev, c_prev, c_prev2, rmask, dh_add,
                               H, r0, k0);
    // A tail of two or three rows: one two-row block keeps twice the FMAs in flight of two
    // single-row blocks (about 9% faster at B = 30 in kernels_bench).
    if constexpr (R > 2)
      for (; r0 + 2 <= B; r0 += 2)
        backward_block<V, 2, NV>(dz_prev, dc, dz, slice, gates_prev, c_prev, c_prev2, rmask, dh_add,
                                 H, r0, k0);
    for (; r0 < B; ++r0)
      backward_block<V, 1, NV>(dz_prev, dc, dz, slice, gates_prev, c_prev, c_prev2, rmask, dh_add,
                               H, r0, k0);
  }
}

// Packed layouts (why: rows of U are 4H floats apart, a power of two at the usual sizes, so
// reading a few vectors from each of H rows maps them onto a handful of L1 sets and evicts
// itself; packing makes each block's slice one contiguous run):
//   forward:  Up[((k0/L) * H + k) * 4L + g * L + l]      = U[k, g*H + k0 + l]
//   backward: UTp[((k0/S) * 4H + j) * S + l]              = U[k0 + l, j],   S = NV * L
void pack_forward(float* Up, const float* U, size_t H, size_t L) {
  const size_t G = 4 * H;
  for (size_t k0 = 0; k0 < H; k0 += L)
    for (size_t k = 0; k < H; ++k)
      for (size_t g = 0; g < 4; ++g)
        for (size_t l = 0; l < L; ++l)
          Up[((k0 / L) * H + k) * 4 * L + g * L + l] = U[k * G + g * H + k0 + l];
}

void pack_backward(float* UTp, const float* U, size_t H, size_t S) {
  const size_t G = 4 * H;
  for (size_t k0 = 0; k0 < H; k0 += S)
    for (size_t j = 0; j < G; ++j)
      for (size_t l = 0; l < S; ++l) UTp[((k0 / S) * G + j) * S + l] = U[(k0 + l) * G + j];
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SENTIMENT_HAVE_X86_VARIANTS 1

__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))) void forward_avx512(
    float* h, float* c, float* z, const float* xb, const uint32_t* xi, const float* hp,
    const float* cp, const float* U, size_t B, size_t H) {
  forward_rows<vmath::v16f, 6>(h, c, z, xb, xi, hp, cp, U, B, H);
}

__attribute__((target("avx2,fma"))) void forward_avx2(float* h, float* c, float* z, const float* xb,
                                                      const uint32_t* xi, const float* hp,
                                                      const float* cp, const float* U, size_t B,
                                                      size_t H) {
  forward_rows<vmath::v8f, 3>(h, c, z, xb, xi, hp, cp, U, B, H);
}

__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))) void backward_avx512(
    float* dzp, float* dc, const float* dz, const float* UT, const float* gp, const float* cp,
    const float* cp2, const float* rmask, const float* dh_add, size_t B, size_t H) {
  backward_rows<vmath::v16f, 6, 2>(dzp, dc, dz, UT, gp, cp, cp2, rmask, dh_add, B, H);
}

__attribute__((target("avx2,fma"))) void backward_avx2(float* dzp, float* dc, const float* dz,
                                                       const float* UT, const float* gp,
                                                       const float* cp, const float* cp2,
                                                       const float* rmask, const float* dh_add,
                                                       size_t B, size_t H) {
  backward_rows<vmath::v8f, 6, 2>(dzp, dc, dz, UT, gp, cp, cp2, rmask, dh_add, B, H);
}

enum class Variant { kNone, kAvx2, kAvx512 };

[[maybe_unused]] Variant detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return Variant::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Variant::kAvx2;
  return Variant::kNone;
}

// Sanitizer builds run the plain GEMM path: the fused kernels are tested against it in the
// normal build, and ASan gains nothing from instrumenting register arithmetic.
Variant variant() {
#if SENTIMENT_SANITIZED
  return Variant::kNone;
#else
  static const Variant v = detect();
  return v;
#endif
}
#endif

}  // namespace

void lstm_step_pack(float* Up, float* UTp, const float* U, size_t H) noexcept {
#ifdef SENTIMENT_HAVE_X86_VARIANTS
  const size_t L = variant() == Variant::kAvx512 ? 16 : 8;
  if (Up) pack_forward(Up, U, H, L);
  if (UTp) pack_backward(UTp, U, H, 2 * L);
#else
  (void)Up, (void)UTp, (void)U, (void)H;
#endif
}

void lstm_step_forward_fused(float* h, float* c, float* z, const float* xbase,
                             const uint32_t* xindex, const float* h_prev, const float* c_prev,
                             const float* U, size_t B, size_t H) noexcept {
#ifdef SENTIMENT_HAVE_X86_VARIANTS
  switch (variant()) {
    case Variant::kAvx512:
      if (H % 32 != 0) break;
      forward_avx512(h, c, z, xbase, xindex, h_prev, c_prev, U, B, H);
      return;
    case Variant::kAvx2:
      if (H % 16 != 0) break;
      forward_avx2(h, c, z, xbase, xindex, h_prev, c_prev, U, B, H);
      return;
    case Variant::kNone:
      break;
  }
#endif
  (void)h, (void)c, (void)z, (void)xbase, (void)xindex, (void)h_prev, (void)c_prev, (void)U,
      (void)B, (void)H;
  assert(!"lstm_step_forward_fused: no fused variant for this H on this CPU");
}

void lstm_step_backward_fused(float* dz_prev, float* dc, const float* dz, const float* UT,
                              const float* gates_prev, const float* c_prev, const float* c_prev2,
                              const float* rmask, const float* dh_add, size_t B,
                              size_t H) noexcept {
#ifdef SENTIMENT_HAVE_X86_VARIANTS
  switch (variant()) {
    case Variant::kAvx512:
      if (H % 32 != 0) break;
      backward_avx512(dz_prev, dc, dz, UT, gates_prev, c_prev, c_prev2, rmask, dh_add, B, H);
      return;
    case Variant::kAvx2:
      if (H % 16 != 0) break;
      backward_avx2(dz_prev, dc, dz, UT, gates_prev, c_prev, c_prev2, rmask, dh_add, B, H);
      return;
    case Variant::kNone:
      break;
  }
#endif
  (void)dz_prev, (void)dc, (void)dz, (void)UT, (void)gates_prev, (void)c_prev, (void)c_prev2,
      (void)rmask, (void)dh_add, (void)B, (void)H;
  assert(!"lstm_step_backward_fused: no fused variant for this H on this CPU");
}

bool lstm_step_fused_available(size_t H) noexcept {
#ifdef SENTIMENT_HAVE_X86_VARIANTS
  switch (variant()) {
    case Variant::kAvx512:
      return H % 32 == 0;
    case Variant::kAvx2:
      return H % 16 == 0;
    case Variant::kNone:
      break;
  }
#endif
  (void)H;
  return false;
}

const char* lstm_step_variant() noexcept {
#ifdef SENTIMENT_HAVE_X86_VARIANTS
  switch (variant()) {
    case Variant::kAvx512:
      return "avx512";
    case Variant::kAvx2:
      return "avx2";
    case Variant::kNone:
      break;
  }
#endif
  return "none";
}

}  // namespace sentiment::kernels::cpu
