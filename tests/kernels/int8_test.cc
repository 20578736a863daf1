// Int8 kernels: every variant this CPU has (and always the portable one) against ref::
// int8_gemm, bit for bit; ref against the float product within the quantization error; the
// int8 time loops of all three cells against the float ones on the dequantized weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/backend.h"
#include "kernels/int8.h"
#include "kernels/rnn_int8.h"

namespace sentiment::kernels {
namespace {

using cpu::Int8Variant;

constexpr Int8Variant kVariants[] = {Int8Variant::kPortable, Int8Variant::kAvx2,
                                     Int8Variant::kAvxVnni, Int8Variant::kAvx512Vnni};

struct Weights {
  std::vector<int8_t> q;
  std::vector<int16_t> packed;
  std::vector<float> scale;
  size_t K, N;
  Int8Matrix matrix() const { return {q.data(), packed.data(), scale.data(), K, N}; }
  // q * scale, (K, N).
  std::vector<float> dequantized() const {
    std::vector<float> w(K * N);
    for (size_t k = 0; k < K; ++k)
      for (size_t n = 0; n < N; ++n) w[k * N + n] = static_cast<float>(q[k * N + n]) * scale[n];
    return w;
  }
};

Weights random_weights(size_t K, size_t N, std::mt19937& gen, float scale = 0.01f) {
  Weights w{std::vector<int8_t>(K * N), std::vector<int16_t>(int8_packed_size(K, N)),
            std::vector<float>(N), K, N};
  std::uniform_int_distribution<int> qd(-127, 127);
  std::uniform_real_distribution<float> sd(0.2f * scale, scale);
  for (auto& v : w.q) v = static_cast<int8_t>(qd(gen));
  for (auto& s : w.scale) s = sd(gen);
  int8_pack(w.packed.data(), w.q.data(), K, N);
  return w;
}

std::vector<float> random_floats(size_t n, std::mt19937& gen, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

TEST(Int8, ReportsTheVariantThisCpuRuns) {
  const Int8Variant best = cpu::int8_best_variant();
  EXPECT_TRUE(cpu::int8_variant_available(best));
  EXPECT_TRUE(cpu::int8_variant_available(Int8Variant::kPortable));
  std::printf("int8 GEMM variant: %s\n", cpu::int8_variant_name(best));
}

TEST(Int8, QuantizeRowIsSymmetricAndPadsPairs) {
  const float a[3] = {0.5f, -1.0f, 0.25f};
  int16_t q[4] = {9, 9, 9, 9};
  const float s = int8_quantize_row(q, a, 3);
  EXPECT_FLOAT_EQ(s, 1.0f / 127.0f);
  EXPECT_EQ(q[0], 64);  // 63.5 rounds to even
  EXPECT_EQ(q[1], -127);
  EXPECT_EQ(q[2], 32);  // 31.75
  EXPECT_EQ(q[3], 0);
  const float zeros[3] = {0.0f, 0.0f, 0.0f};
  EXPECT_EQ(int8_quantize_row(q, zeros, 3), 0.0f);
  for (int16_t v : q) EXPECT_EQ(v, 0);
}

TEST(Int8, PackPlacesPairsOfRowsSideBySide) {
  const int8_t q[3 * 2] = {1, 2, 3, 4, 5, 6};  // (K = 3, N = 2)
  int16_t p[8];
  int8_pack(p, q, 3, 2);
  const int16_t want[8] = {1, 3, 2, 4, 5, 0, 6, 0};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(p[i], want[i]) << i;
}

TEST(Int8, RefIsTheFloatProductWithinQuantizationError) {
  std::mt19937 gen(7);
  const size_t M = 5, K = 64, N = 24;
  const Weights w = random_weights(K, N, gen);
  const std::vector<float> a = random_floats(M * K, gen);
  const std::vector<float> wf = w.dequantized();
  std::vector<float> c(M * N), sa(M);
  std::vector<int16_t> qa(int8_gemm_scratch_size(M, K));
  ref::int8_gemm(c.data(), N, a.data(), K, w.matrix(), M, 0.0f, qa.data(), sa.data());
  for (size_t m = 0; m < M; ++m) {
    float amax = 0.0f;
    for (size_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(a[m * K + k]));
    for (size_t n = 0; n < N; ++n) {
      double exact = 0.0, wsum = 0.0;
      for (size_t k = 0; k < K; ++k) {
        exact += double{a[m * K + k]} * wf[k * N + n];
        wsum += std::fabs(wf[k * N + n]);
      }
      // Each quantized activation is off by at most half a step, amax / 254.
      const double bound = wsum * amax / 254.0 + 1e-6;
      EXPECT_NEAR(c[m * N + n], exact, bound) << m << "," << n;
    }
  }
}

TEST(Int8, EveryAvailableVariantMatchesRefBitForBit) {
  std::mt19937 gen(11);
  size_t checked = 0;
  for (size_t M : {1, 3, 4, 5, 32})
    for (size_t K : {1, 7, 64, 65})
      for (size_t N : {1, 8, 17, 32, 48, 256}) {
        const Weights w = random_weights(K, N, gen);
        const size_t ldc = N + 3, lda = K + 2;
        const std::vector<float> a = random_floats(M * lda, gen);
        const std::vector<float> c0 = random_floats(M * ldc, gen);
        std::vector<float> sa(M);
        std::vector<int16_t> qa(int8_gemm_scratch_size(M, K));
        for (float beta : {0.0f, 1.0f}) {
          std::vector<float> want = c0;
          ref::int8_gemm(want.data(), ldc, a.data(), lda, w.matrix(), M, beta, qa.data(),
                         sa.data());
          for (Int8Variant v : kVariants) {
            if (!cpu::int8_variant_available(v)) continue;
            std::vector<float> got = c0;
            cpu::int8_gemm_variant(v, got.data(), ldc, a.data(), lda, w.matrix(), M, beta,
                                   qa.data(), sa.data());
            for (size_t i = 0; i < got.size(); ++i)
              ASSERT_EQ(got[i], want[i]) << cpu::int8_variant_name(v) << " M=" << M << " K=" << K
                                         << " N=" << N << " beta=" << beta << " at " << i;
            ++checked;
          }
          std::vector<float> best = c0;
          cpu::int8_gemm(best.data(), ldc, a.data(), lda, w.matrix(), M, beta, qa.data(),
                         sa.data());
          EXPECT_EQ(best, want);
        }
      }
  EXPECT_GE(checked, size_t{5 * 4 * 6 * 2});  // the portable variant at least
}

const char* name_of(CellType c) {
  return c == CellType::kLstm ? "lstm" : c == CellType::kGru ? "gru" : "simple_rnn";
}

// One cell's int8 time loop against the float one on the same, dequantized weights.
void check_recurrence(CellType cell, size_t H, bool packed) {
  std::mt19937 gen(static_cast<unsigned>(H * 10 + static_cast<unsigned>(cell)));
  const size_t B = 5, T = 6, G = rnn_gate_count(cell) * H;
  const size_t sizes[T] = {5, 5, 4, 3, 3, 1};
  RnnDims d{T, B, 1, H, packed ? sizes : nullptr};
  const size_t N = rnn_packed_rows(d);
  // Weights up to 1 / sqrt(H): a contracting recurrence, as in a trained model, where the
  // rounding of one step does not grow over the later ones.
  const Weights U = random_weights(H, G, gen, 1.0f / (127.0f * std::sqrt(static_cast<float>(H))));
  const std::vector<float> Uf = U.dequantized();
  const std::vector<float> xproj = random_floats(N * G, gen);
  const std::vector<float> b = random_floats(rnn_bias_size(cell, H), gen, -0.2f, 0.2f);
  const size_t width = rnn_cache_width(cell, H);
  const Backend<float>& be = backend<float>();
  const size_t c = static_cast<size_t>(cell);

  std::vector<float> h_want((B + N) * H), c_want((B + N) * H), g_want(N * width);
  std::vector<float> scratch(std::max<size_t>(16 * (B + N) * H + 4 * H * H * 2, 4096));
  be.rnn_recurrence[c](h_want.data(), c_want.data(), g_want.data(), scratch.data(), xproj.data(),
                       Uf.data(), b.data(), nullptr, d);

  std::vector<float> h_got((B + N) * H, 0.0f), c_got((B + N) * H, 0.0f), g_got(N * width);
  std::vector<float> s8(rnn_int8_scratch_size(cell, d));
  std::vector<int16_t> q8(int8_gemm_scratch_size(B, H));
  be.rnn_recurrence_int8[c](h_got.data(), c_got.data(), g_got.data(), s8.data(), q8.data(),
                            xproj.data(), nullptr, U.matrix(), b.data(), d);
  double worst = 0.0, differ = 0.0;
  for (size_t i = B * H; i < h_want.size(); ++i) {
    worst = std::max(worst, double{std::fabs(h_got[i] - h_want[i])});
    differ += h_got[i] != h_want[i];
  }
  // h is in (-1, 1); rounding h_{t-1} to 8 bits at each step moves it by about 1e-3 here.
  constexpr double kTolerance = 1e-2;
  EXPECT_LT(worst, kTolerance) << name_of(cell) << " H=" << H;
  EXPECT_GT(differ, 0.0) << "the int8 loop gave the float results exactly: not quantized?";
}

TEST(Int8Recurrence, EveryCellFollowsTheFloatLoop) {
  for (CellType cell : {CellType::kLstm, CellType::kGru, CellType::kSimpleRnn})
    for (size_t H : {8, 16, 19})
      for (bool packed : {false, true}) {
        SCOPED_TRACE(std::string(name_of(cell)) + (packed ? " packed" : " time-major"));
        check_recurrence(cell, H, packed);
      }
}

TEST(Int8Recurrence, LstmReadsIndexedProjectionsAndStartsFromTheGivenState) {
  std::mt19937 gen(5);
  const size_t B = 3, T = 4, H = 16, G = 4 * H, V = 7;
  RnnDims d{T, B, 1, H, nullptr};
  const size_t N = T * B;
  const Weights U = random_weights(H, G, gen, 0.002f);
  const std::vector<float> table = random_floats(V * G, gen);
  std::vector<uint32_t> index(N);
  for (size_t p = 0; p < N; ++p) index[p] = static_cast<uint32_t>((p * 5 + 1) % V);
  std::vector<float> gathered(N * G);
  for (size_t p = 0; p < N; ++p)
    std::copy_n(table.data() + index[p] * G, G, gathered.data() + p * G);
  const std::vector<float> h0 = random_floats(B * H, gen), c0 = random_floats(B * H, gen);
  auto run = [&](const float* xbase, const uint32_t* xi) {
    std::vector<float> h((B + N) * H), c((B + N) * H), g(N * G), s(B);
    std::vector<int16_t> q(int8_gemm_scratch_size(B, H));
    std::copy(h0.begin(), h0.end(), h.begin());
    std::copy(c0.begin(), c0.end(), c.begin());
    cpu::lstm_recurrence_int8(h.data(), c.data(), g.data(), s.data(), q.data(), xbase, xi,
                              U.matrix(), nullptr, d);
    return h;
  };
  const std::vector<float> by_index = run(table.data(), index.data());
  EXPECT_EQ(by_index, run(gathered.data(), nullptr));
  // A different initial state gives a different first step: the state was read.
  std::vector<float> h((B + N) * H, 0.0f), c((B + N) * H, 0.0f), g(N * G), s(B);
  std::vector<int16_t> q(int8_gemm_scratch_size(B, H));
  cpu::lstm_recurrence_int8(h.data(), c.data(), g.data(), s.data(), q.data(), gathered.data(),
                            nullptr, U.matrix(), nullptr, d);
  EXPECT_NE(std::vector<float>(h.begin() + B * H, h.begin() + 2 * B * H),
            std::vector<float>(by_index.begin() + B * H, by_index.begin() + 2 * B * H));
}

}  // namespace
}  // namespace sentiment::kernels
