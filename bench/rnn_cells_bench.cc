// Google Benchmark of the GRU and SimpleRNN cpu:: kernels at the recipe's shapes (E = H = 64,
// T = 200, shard of 32 sequences): forward, and backward alone (forward runs once in setup),
// unpacked and packed with lengths spread evenly from T down to T / 4. Run by hand:
// build/release/bench/rnn_cells_bench.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"
#include "kernels/gru.h"
#include "kernels/simple_rnn.h"

namespace sentiment {
namespace {

using kernels::CellType;
using kernels::RnnDims;

constexpr size_t kE = 64, kH = 64, kT = 200, kB = 32;

std::vector<float> random_floats(size_t n, double scale, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}

struct Shard {
  CellType cell;
  std::vector<size_t> batch_sizes;
  RnnDims d;
  size_t N;
  std::vector<float> x, W, U, b, dh, h_seq, gates, dgates, scratch, dx, dW, dU, db;

  Shard(CellType c, bool packed) : cell(c), d{kT, kB, kE, kH} {
    if (packed) {
      // Row i has length T - i (3T/4) / (B - 1): rows sorted longest first.
      for (size_t t = 0; t < kT; ++t) {
        size_t rows = 0;
        for (size_t i = 0; i < kB; ++i) rows += kT - i * (3 * kT / 4) / (kB - 1) > t;
        batch_sizes.push_back(rows);
      }
      d.batch_sizes = batch_sizes.data();
    }
    N = kernels::rnn_packed_rows(d);
    const size_t G = kernels::rnn_gate_count(cell);
    x = random_floats(N * kE, 0.05, 1);
    W = random_floats(kE * G * kH, 0.14, 2);
    U = random_floats(kH * G * kH, 0.12, 3);
    b = random_floats(kernels::rnn_bias_size(cell, kH), 0.1, 4);
    dh = random_floats(N * kH, 0.1, 5);
    h_seq.resize((kB + N) * kH);
    gates.resize(N * kernels::rnn_cache_width(cell, kH));
    dgates.resize(N * G * kH);
    scratch.resize(cell == CellType::kGru ? kernels::gru_scratch_size(d)
                                          : kernels::simple_rnn_scratch_size(d));
    dx.resize(N * kE);
    dW.resize(W.size());
    dU.resize(U.size());
    db.resize(b.size());
  }

  void forward() {
    auto fn = cell == CellType::kGru ? kernels::cpu::gru_forward<float>
                                     : kernels::cpu::simple_rnn_forward<float>;
    fn(h_seq.data(), nullptr, gates.data(), scratch.data(), x.data(), W.data(), U.data(), b.data(),
       nullptr, d);
  }

  void backward() {
    auto fn = cell == CellType::kGru ? kernels::cpu::gru_backward<float>
                                     : kernels::cpu::simple_rnn_backward<float>;
    fn(dx.data(), dW.data(), dU.data(), db.data(), dgates.data(), scratch.data(), dh.data(),
       x.data(), W.data(), U.data(), nullptr, h_seq.data(), nullptr, gates.data(), d);
  }

  // GEMM flops: forward x W and h U for every row; backward twice that (dW, dU, dx, dh U^T).
  double forward_flops() const {
    return 2.0 * static_cast<double>(N * (kE + kH) * kernels::rnn_gate_count(cell) * kH);
  }
};

void report(benchmark::State& state, const Shard& s, double flops_per_iter) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kB));  // sequences
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * flops_per_iter, benchmark::Counter::kIsRate);
  state.counters["rows"] = static_cast<double>(s.N);
}

// Args: cell (0 LSTM is in kernels_bench; 1 GRU, 2 SimpleRNN), packed (0, 1).
void BM_RnnForward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<CellType>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) s.forward();
  report(state, s, s.forward_flops());
}

void BM_RnnBackward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<CellType>(state.range(0)), state.range(1) != 0);
  s.forward();
  for (auto _ : state) s.backward();
  report(state, s, 2.0 * s.forward_flops());
}

void cases(benchmark::internal::Benchmark* bm) {
  bm->ArgNames({"cell", "packed"});
  for (int cell : {1, 2})
    for (int packed : {0, 1}) bm->Args({cell, packed});
  bm->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_RnnForward)->Apply(cases);
BENCHMARK(BM_RnnBackward)->Apply(cases);

}  // namespace
}  // namespace sentiment

BENCHMARK_MAIN();
