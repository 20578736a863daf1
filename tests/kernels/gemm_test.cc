// kernels::gemm (oneDNN for float, OpenBLAS for double) against a plain triple loop in double:
// every transpose combination, alpha and beta, leading dimensions wider than the matrices,
// and the degenerate shapes the kernels pass (a zero dimension); float results are the same
// bit for bit whichever thread computes them.
#include "kernels/cpu/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"

namespace sentiment {
namespace {

using kernels::Trans;

struct Case {
  size_t M, N, K;
  Trans ta, tb;
  double alpha, beta;
  size_t pad;  // extra columns in every leading dimension
};

template <typename F>
struct Operands {
  std::vector<F> A, B, C;
  size_t lda, ldb, ldc;
};

template <typename F>
Operands<F> operands(const Case& c, uint64_t seed) {
  Rng rng(seed);
  Operands<F> o;
  const size_t a_rows = c.ta == Trans::kYes ? c.K : c.M, a_cols = c.ta == Trans::kYes ? c.M : c.K;
  const size_t b_rows = c.tb == Trans::kYes ? c.N : c.K, b_cols = c.tb == Trans::kYes ? c.K : c.N;
  o.lda = a_cols + c.pad;
  o.ldb = b_cols + c.pad;
  o.ldc = c.N + c.pad;
  const auto fill = [&](std::vector<F>& v, size_t rows, size_t ld) {
    v.resize(std::max<size_t>(rows * ld, 1));
    for (F& x : v) x = static_cast<F>(rng.uniform(-1.0, 1.0));
  };
  fill(o.A, a_rows, o.lda);
  fill(o.B, b_rows, o.ldb);
  fill(o.C, c.M, o.ldc);
  return o;
}

template <typename F>
std::vector<double> reference(const Case& c, const Operands<F>& o) {
  std::vector<double> C(o.C.begin(), o.C.end());
  for (size_t i = 0; i < c.M; ++i)
    for (size_t j = 0; j < c.N; ++j) {
      double s = 0;
      for (size_t k = 0; k < c.K; ++k) {
        const F a = c.ta == Trans::kYes ? o.A[k * o.lda + i] : o.A[i * o.lda + k];
        const F b = c.tb == Trans::kYes ? o.B[j * o.ldb + k] : o.B[k * o.ldb + j];
        s += static_cast<double>(a) * static_cast<double>(b);
      }
      C[i * o.ldc + j] = c.alpha * s + c.beta * static_cast<double>(o.C[i * o.ldc + j]);
    }
  return C;
}

template <typename F>
void run(const Case& c, Operands<F>& o) {
  kernels::gemm<F>(c.ta, c.tb, c.M, c.N, c.K, static_cast<F>(c.alpha), o.A.data(), o.lda,
                   o.B.data(), o.ldb, static_cast<F>(c.beta), o.C.data(), o.ldc);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (Trans ta : {Trans::kNo, Trans::kYes})
    for (Trans tb : {Trans::kNo, Trans::kYes}) {
      out.push_back({32, 256, 64, ta, tb, 1.0, 1.0, 0});   // the recurrent step's shape
      out.push_back({64, 256, 517, ta, tb, 1.0, 1.0, 3});  // a weight gradient, odd K
      out.push_back({7, 5, 3, ta, tb, 0.5, 0.0, 2});       // beta 0 overwrites C
      out.push_back({1, 1, 1, ta, tb, -2.0, 0.25, 0});
      out.push_back({3, 4, 0, ta, tb, 1.0, 0.5, 1});  // K = 0: C = beta C
    }
  return out;
}

std::string name(const Case& c) {
  return std::to_string(c.M) + "x" + std::to_string(c.N) + "x" + std::to_string(c.K) +
         (c.ta == Trans::kYes ? " A^T" : "") + (c.tb == Trans::kYes ? " B^T" : "");
}

template <typename F>
void expect_matches_reference(double tolerance) {
  for (const Case& c : cases()) {
    Operands<F> o = operands<F>(c, 7);
    const std::vector<double> want = reference(c, o);
    run(c, o);
    double worst = 0;
    for (size_t i = 0; i < c.M; ++i)
      for (size_t j = 0; j < c.N; ++j)
        worst = std::max(worst,
                         std::abs(static_cast<double>(o.C[i * o.ldc + j]) - want[i * o.ldc + j]));
    // Padding columns of C are never written.
    for (size_t i = 0; i < c.M; ++i)
      for (size_t j = c.N; j < o.ldc; ++j)
        EXPECT_EQ(static_cast<double>(o.C[i * o.ldc + j]), want[i * o.ldc + j]) << name(c);
    EXPECT_LT(worst, tolerance * std::max<double>(1.0, static_cast<double>(c.K))) << name(c);
  }
}

TEST(Gemm, FloatMatchesReference) {
  expect_matches_reference<float>(1e-6);
}

TEST(Gemm, DoubleMatchesReference) {
  expect_matches_reference<double>(1e-14);
}

TEST(Gemm, ZeroRowsOrColumnsLeaveCAlone) {
  for (const Case& c : {Case{0, 8, 4, Trans::kNo, Trans::kNo, 1.0, 1.0, 0},
                        Case{8, 0, 4, Trans::kYes, Trans::kNo, 1.0, 1.0, 0}}) {
    Operands<float> o = operands<float>(c, 3);
    const std::vector<float> before = o.C;
    run(c, o);
    EXPECT_EQ(o.C, before) << name(c);
  }
}

// The pool's threads each call gemm; every one must get the result the calling thread gets,
// bit for bit (no thread count inside the GEMM changes its summation order).
TEST(Gemm, SameBitsOnEveryThread) {
  const Case c{64, 256, 517, Trans::kYes, Trans::kNo, 1.0, 1.0, 0};
  Operands<float> here = operands<float>(c, 11);
  Operands<float> there[2] = {here, here};
  run(c, here);
  std::vector<std::thread> threads;
  for (Operands<float>& o : there) threads.emplace_back([&c, &o] { run(c, o); });
  for (std::thread& t : threads) t.join();
  for (const Operands<float>& o : there) EXPECT_EQ(o.C, here.C);
}

}  // namespace
}  // namespace sentiment
