// Int8 GEMM variants (kernels/int8.h). A block covers R = 4 rows of A and two vectors of
// columns, so it holds 8 int32 accumulators; each pair of k costs two weight loads, R
// broadcasts and 2R multiply-adds (vpmaddwd + vpaddd on AVX2, one vpdpwssd with VNNI). Rows
// are quantized first (the vector variants 8 lanes at a time, to the same values as the
// scalar code) and the epilogue is the same fma as ref::int8_gemm, so the variants agree to
// the bit.
#include <cmath>
#include <cstring>

#include "kernels/cpu/lstm_step.h"
#include "kernels/int8.h"
#include "kernels/rnn_int8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define SENTIMENT_HAVE_INT8_X86 1
#endif

namespace sentiment::kernels {

void int8_pack(int16_t* packed, const int8_t* q, size_t K, size_t N) noexcept {
  const size_t P = int8_pairs(K);
  for (size_t p = 0; p < P; ++p)
    for (size_t n = 0; n < N; ++n)
      for (size_t i = 0; i < 2; ++i) {
        const size_t k = 2 * p + i;
        packed[(p * N + n) * 2 + i] = k < K ? int16_t{q[k * N + n]} : int16_t{0};
      }
}

namespace cpu {
namespace {

struct Args {
  float* C;
  size_t ldc;
  const int16_t* qa;  // (M, 2P) quantized rows
  const float* sa;    // (M)
  const int16_t* Wp;  // (P, N, 2)
  const float* scale;
  size_t M, N, P;
  float beta;
};

inline void finish(const Args& a, size_t m, size_t n, int32_t acc) {
  float& c = a.C[m * a.ldc + n];
  c = std::fma(static_cast<float>(acc), a.sa[m] * a.scale[n], a.beta == 0.0f ? 0.0f : a.beta * c);
}

// Columns [n0, N) of every row, from the packed weights: the vector variants' tail and the
// portable variant's whole product.
void columns_portable(const Args& a, size_t n0) {
  for (size_t m = 0; m < a.M; ++m) {
    const int16_t* q = a.qa + m * 2 * a.P;
    for (size_t n = n0; n < a.N; ++n) {
      int32_t acc = 0;
      for (size_t p = 0; p < a.P; ++p) {
        const int16_t* w = a.Wp + (p * a.N + n) * 2;
        acc += int32_t{q[2 * p]} * w[0] + int32_t{q[2 * p + 1]} * w[1];
      }
      finish(a, m, n, acc);
    }
  }
}

#ifdef SENTIMENT_HAVE_INT8_X86

inline int32_t pair_of(const int16_t* q) {
  int32_t v;
  std::memcpy(&v, q, sizeof v);
  return v;
}

// One variant's blocks: VEC, LANES (int32 per vector), and the intrinsics named by the macro
// arguments. Written as a macro because GCC inlines target-specific intrinsics only into
// functions compiled for that target, which a shared template is not.
#define SENTIMENT_INT8_BLOCKS(NAME, TARGET, VEC, LANES, ZERO, LOAD, SET1, MADD_ADD, TOPS, LOADPS, \
                              STOREPS, SET1PS, MULPS, FMAPS, ZEROPS)                              \
  template <size_t R>                                                                             \
  __attribute__((target(TARGET), always_inline)) inline void NAME##_block(const Args& a,          \
                                                                          size_t m0, size_t n0) { \
    VEC acc[R][2];                                                                                \
    for (size_t r = 0; r < R; ++r) acc[r][0] = ZERO(), acc[r][1] = ZERO();                        \
    const int16_t* w = a.Wp + n0 * 2;                                                             \
    for (size_t p = 0; p < a.P; ++p, w += a.N * 2) {                                              \
      const VEC w0 = LOAD(w);                                                                     \
      const VEC w1 = LOAD(w + 2 * LANES);                                                         \
      for (size_t r = 0; r < R; ++r) {                                                            \
        const VEC x = SET1(pair_of(a.qa + (m0 + r) * 2 * a.P + 2 * p));                           \
        acc[r][0] = MADD_ADD(acc[r][0], x, w0);                                                   \
        acc[r][1] = MADD_ADD(acc[r][1], x, w1);                                                   \
      }                                                                                           \
    }                                                                                             \
    for (size_t r = 0; r < R; ++r)                                                                \
      for (size_t v = 0; v < 2; ++v) {                                                            \
        const size_t m = m0 + r, n = n0 + v * LANES;                                              \
        float* c = a.C + m * a.ldc + n;                                                           \
        const auto s = MULPS(SET1PS(a.sa[m]), LOADPS(a.scale + n));                               \
        const auto prior = a.beta == 0.0f ? ZEROPS() : MULPS(SET1PS(a.beta), LOADPS(c));          \
        STOREPS(c, FMAPS(TOPS(acc[r][v]), s, prior));                                             \
      }                                                                                           \
  }                                                                                               \
  __attribute__((target(TARGET))) void NAME##_gemm(const Args& a) {                               \
    const size_t Nv = a.N - a.N % (2 * LANES);                                                    \
    size_t m0 = 0;                                                                                \
    for (; m0 + 4 <= a.M; m0 += 4)                                                                \
      for (size_t n0 = 0; n0 < Nv; n0 += 2 * LANES) NAME##_block<4>(a, m0, n0);                   \
    for (; m0 < a.M; ++m0)                                                                        \
      for (size_t n0 = 0; n0 < Nv; n0 += 2 * LANES) NAME##_block<1>(a, m0, n0);                   \
    columns_portable(a, Nv);                                                                      \
  }

// GCC 12 flags the deliberately undefined pass-through operand inside _mm512_cvtepi32_ps
// (__Y = __Y in avx512fintrin.h) as maybe-uninitialized once it is inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define SENTIMENT_LOAD256(p) _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
#define SENTIMENT_LOAD512(p) _mm512_loadu_si512(reinterpret_cast<const void*>(p))
#define SENTIMENT_MADD_AVX2(acc, x, w) _mm256_add_epi32(acc, _mm256_madd_epi16(x, w))

SENTIMENT_INT8_BLOCKS(avx2, "avx2,fma", __m256i, 8, _mm256_setzero_si256, SENTIMENT_LOAD256,
                      _mm256_set1_epi32, SENTIMENT_MADD_AVX2, _mm256_cvtepi32_ps, _mm256_loadu_ps,
                      _mm256_storeu_ps, _mm256_set1_ps, _mm256_mul_ps, _mm256_fmadd_ps,
                      _mm256_setzero_ps)
SENTIMENT_INT8_BLOCKS(avxvnni, "avx2,fma,avxvnni", __m256i, 8, _mm256_setzero_si256,
                      SENTIMENT_LOAD256, _mm256_set1_epi32, _mm256_dpwssd_avx_epi32,
                      _mm256_cvtepi32_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps,
                      _mm256_mul_ps, _mm256_fmadd_ps, _mm256_setzero_ps)
SENTIMENT_INT8_BLOCKS(avx512vnni, "avx512f,avx512vnni,avx2,fma", __m512i, 16, _mm512_setzero_si512,
                      SENTIMENT_LOAD512, _mm512_set1_epi32, _mm512_dpwssd_epi32, _mm512_cvtepi32_ps,
                      _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_mul_ps,
                      _mm512_fmadd_ps, _mm512_setzero_ps)

#undef SENTIMENT_INT8_BLOCKS
#undef SENTIMENT_LOAD256
#undef SENTIMENT_LOAD512
#undef SENTIMENT_MADD_AVX2

// int8_quantize_row with 8 lanes: the same maximum (max is exact in any order), the same
// 127 / amax and product, and vcvtps2dq rounds to nearest even as nearbyint does in the
// default rounding mode; |a inv| <= 127 rounds into range, so the clamp has nothing to do.
__attribute__((target("avx2,fma"))) float quantize_row_avx2(int16_t* qa, const float* a, size_t K) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 m = _mm256_setzero_ps();
  size_t k = 0;
  for (; k + 8 <= K; k += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(a + k), abs_mask));
  float lanes[8];
  _mm256_storeu_ps(lanes, m);
  float amax = 0.0f;
  for (float v : lanes) amax = std::fmax(amax, v);
  for (; k < K; ++k) amax = std::fmax(amax, std::fabs(a[k]));
  if (!(amax > 0.0f)) return int8_quantize_row(qa, a, K);
  const float inv = 127.0f / amax;
  const __m256 vinv = _mm256_set1_ps(inv);
  for (k = 0; k + 8 <= K; k += 8) {
    const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(a + k), vinv));
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(q, q), 0xD8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qa + k), _mm256_castsi256_si128(packed));
  }
  for (; k < K; ++k)
    qa[k] = static_cast<int16_t>(std::fmin(127.0f, std::fmax(-127.0f, std::nearbyint(a[k] * inv))));
  for (const size_t Kp = 2 * int8_pairs(K); k < Kp; ++k) qa[k] = 0;
  return amax / 127.0f;
}

// AVX-VNNI (VEX-encoded vpdpwssd): CPUID leaf 7, subleaf 1, EAX bit 4. Asked directly,
// since Clang 14's __builtin_cpu_supports does not know the feature; the YMM state it needs
// is the one AVX2 needs, which the caller checks first.
bool has_avx_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  return (eax >> 4) & 1u;
}

Int8Variant detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni"))
    return Int8Variant::kAvx512Vnni;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_avx_vnni())
    return Int8Variant::kAvxVnni;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Int8Variant::kAvx2;
  return Int8Variant::kPortable;
}
#endif

}  // namespace

bool int8_variant_available(Int8Variant v) noexcept {
#ifdef SENTIMENT_HAVE_INT8_X86
  static const Int8Variant best = detect();
  switch (v) {
    case Int8Variant::kPortable:
      return true;
    case Int8Variant::kAvx2:
      return best != Int8Variant::kPortable;
    case Int8Variant::kAvxVnni:
      // An AVX512-VNNI CPU need not have the VEX-encoded AVX-VNNI (Ice Lake has only the
      // former), so ask for it on its own.
      return best == Int8Variant::kAvxVnni || (best == Int8Variant::kAvx512Vnni && has_avx_vnni());
    case Int8Variant::kAvx512Vnni:
      return best == Int8Variant::kAvx512Vnni;
  }
  return false;
#else
  return v == Int8Variant::kPortable;
#endif
}

Int8Variant int8_best_variant() noexcept {
#ifdef SENTIMENT_HAVE_INT8_X86
  static const Int8Variant best = detect();
  return best;
#else
  return Int8Variant::kPortable;
#endif
}

bool int8_steps_pay(CellType cell, size_t H) noexcept {
  const Int8Variant v = int8_best_variant();
  if (v == Int8Variant::kAvx512Vnni || v == Int8Variant::kAvxVnni) return true;
  return !(cell == CellType::kLstm && lstm_step_fused_available(H));
}

const char* int8_variant_name(Int8Variant v) noexcept {
  switch (v) {
    case Int8Variant::kAvx512Vnni:
      return "avx512-vnni";
    case Int8Variant::kAvxVnni:
      return "avx-vnni";
    case Int8Variant::kAvx2:
      return "avx2";
    case Int8Variant::kPortable:
      break;
  }
  return "portable";
}

void int8_gemm_variant(Int8Variant v, float* C, size_t ldc, const float* A, size_t lda,
                       const Int8Matrix& W, size_t M, float beta, int16_t* qa, float* sa) noexcept {
  const size_t P = int8_pairs(W.K);
  const Args a{C, ldc, qa, sa, W.packed, W.scale, M, W.N, P, beta};
#ifdef SENTIMENT_HAVE_INT8_X86
  const bool vector = v != Int8Variant::kPortable && int8_variant_available(v);
  for (size_t m = 0; m < M; ++m)
    sa[m] = vector ? quantize_row_avx2(qa + m * 2 * P, A + m * lda, W.K)
                   : int8_quantize_row(qa + m * 2 * P, A + m * lda, W.K);
  if (vector) switch (v) {
      case Int8Variant::kAvx512Vnni:
        return avx512vnni_gemm(a);
      case Int8Variant::kAvxVnni:
        return avxvnni_gemm(a);
      case Int8Variant::kAvx2:
        return avx2_gemm(a);
      case Int8Variant::kPortable:
        break;
    }
#else
  (void)v;
  for (size_t m = 0; m < M; ++m) sa[m] = int8_quantize_row(qa + m * 2 * P, A + m * lda, W.K);
#endif
  columns_portable(a, 0);
}

void int8_gemm(float* C, size_t ldc, const float* A, size_t lda, const Int8Matrix& W, size_t M,
               float beta, int16_t* qa, float* sa) noexcept {
  int8_gemm_variant(int8_best_variant(), C, ldc, A, lda, W, M, beta, qa, sa);
}

}  // namespace cpu
}  // namespace sentiment::kernels
