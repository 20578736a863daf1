// Google Benchmark of the kernels at the recipe's shapes (E = H = 64, T = 200, shard of 32
// sequences): one cell pass, the per-step recurrent GEMM, and a full LSTM forward and
// forward+backward over a shard. Run by hand: build/release/bench/kernels_bench.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lstm_step.h"
#include "kernels/lstm.h"

namespace sentiment {
namespace {

constexpr size_t kE = 64, kH = 64, kT = 200;

std::vector<float> random_floats(size_t n, double scale, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}

void BM_CellForward(benchmark::State& state) {
  const size_t B = static_cast<size_t>(state.range(0));
  auto z = random_floats(B * 4 * kH, 3.0, 1), c_prev = random_floats(B * kH, 1.0, 2);
  std::vector<float> h(B * kH), c(B * kH), z0 = z;
  for (auto _ : state) {
    std::copy(z0.begin(), z0.end(), z.begin());
    kernels::cpu::lstm_cell_forward(h.data(), c.data(), z.data(), c_prev.data(), B, kH);
    benchmark::DoNotOptimize(h.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * B * kH));
}
BENCHMARK(BM_CellForward)->Arg(32)->Arg(64);

void BM_CellBackward(benchmark::State& state) {
  const size_t B = static_cast<size_t>(state.range(0));
  auto gates = random_floats(B * 4 * kH, 1.0, 1), c = random_floats(B * kH, 1.0, 2);
  auto c_prev = random_floats(B * kH, 1.0, 3), dh = random_floats(B * kH, 1.0, 4);
  std::vector<float> dz(B * 4 * kH), dc(B * kH);
  for (auto _ : state) {
    kernels::cpu::lstm_cell_backward(dz.data(), dc.data(), dh.data(), gates.data(), c.data(),
                                     c_prev.data(), B, kH);
    benchmark::DoNotOptimize(dz.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * B * kH));
}
BENCHMARK(BM_CellBackward)->Arg(32)->Arg(64);

void BM_RecurrentGemm(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  const size_t B = static_cast<size_t>(state.range(0));
  auto h = random_floats(B * kH, 1.0, 1), U = random_floats(kH * 4 * kH, 0.2, 2);
  std::vector<float> z(B * 4 * kH);
  for (auto _ : state) {
    kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kNo, B, 4 * kH, kH, 1.0f, h.data(),
                         kH, U.data(), 4 * kH, 1.0f, z.data(), 4 * kH);
    benchmark::DoNotOptimize(z.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(B * kH * 4 * kH),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecurrentGemm)->Arg(32)->Arg(64);

// One recurrent step both ways, side by side: GEMM + cell pass vs the fused kernel.
void BM_StepForwardGemmCell(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  const size_t B = static_cast<size_t>(state.range(0));
  auto h = random_floats(B * kH, 0.5, 1), U = random_floats(kH * 4 * kH, 0.12, 2);
  auto z0 = random_floats(B * 4 * kH, 1.0, 3), c_prev = random_floats(B * kH, 1.0, 4);
  std::vector<float> z(z0.size()), hn(B * kH), cn(B * kH);
  for (auto _ : state) {
    std::copy(z0.begin(), z0.end(), z.begin());
    kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kNo, B, 4 * kH, kH, 1.0f, h.data(),
                         kH, U.data(), 4 * kH, 1.0f, z.data(), 4 * kH);
    kernels::cpu::lstm_cell_forward(hn.data(), cn.data(), z.data(), c_prev.data(), B, kH);
    benchmark::DoNotOptimize(hn.data());
  }
}
BENCHMARK(BM_StepForwardGemmCell)->Arg(32);

void BM_StepForwardFused(benchmark::State& state) {
  const size_t B = static_cast<size_t>(state.range(0));
  auto h = random_floats(B * kH, 0.5, 1), U = random_floats(kH * 4 * kH, 0.12, 2);
  auto z0 = random_floats(B * 4 * kH, 1.0, 3), c_prev = random_floats(B * kH, 1.0, 4);
  std::vector<float> z(z0.size()), hn(B * kH), cn(B * kH), Up(4 * kH * kH);
  kernels::cpu::lstm_step_pack(Up.data(), nullptr, U.data(), kH);
  for (auto _ : state) {
    std::copy(z0.begin(), z0.end(), z.begin());
    if (!kernels::cpu::lstm_step_forward_fused(hn.data(), cn.data(), z.data(), h.data(),
                                               c_prev.data(), Up.data(), B, kH)) {
      state.SkipWithError("no fused variant on this CPU");
      break;
    }
    benchmark::DoNotOptimize(hn.data());
  }
  state.SetLabel(kernels::cpu::lstm_step_variant());
}
BENCHMARK(BM_StepForwardFused)->Arg(32);

void BM_StepBackwardGemmCell(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  const size_t B = static_cast<size_t>(state.range(0));
  auto dz = random_floats(B * 4 * kH, 0.1, 1), U = random_floats(kH * 4 * kH, 0.12, 2);
  auto gates = random_floats(B * 4 * kH, 1.0, 3), c = random_floats(B * kH, 1.0, 4);
  auto c2 = random_floats(B * kH, 1.0, 5);
  std::vector<float> dh(B * kH), dc(B * kH), dzp(B * 4 * kH);
  for (auto _ : state) {
    kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kYes, B, kH, 4 * kH, 1.0f, dz.data(),
                         4 * kH, U.data(), 4 * kH, 0.0f, dh.data(), kH);
    kernels::cpu::lstm_cell_backward(dzp.data(), dc.data(), dh.data(), gates.data(), c.data(),
                                     c2.data(), B, kH);
    benchmark::DoNotOptimize(dzp.data());
  }
}
BENCHMARK(BM_StepBackwardGemmCell)->Arg(32);

void BM_StepBackwardFused(benchmark::State& state) {
  const size_t B = static_cast<size_t>(state.range(0));
  auto dz = random_floats(B * 4 * kH, 0.1, 1), U = random_floats(kH * 4 * kH, 0.12, 2);
  auto gates = random_floats(B * 4 * kH, 1.0, 3), c = random_floats(B * kH, 1.0, 4);
  auto c2 = random_floats(B * kH, 1.0, 5);
  std::vector<float> dc(B * kH), dzp(B * 4 * kH), UT(4 * kH * kH);
  kernels::cpu::lstm_step_pack(nullptr, UT.data(), U.data(), kH);
  for (auto _ : state) {
    if (!kernels::cpu::lstm_step_backward_fused(dzp.data(), dc.data(), dz.data(), UT.data(),
                                                gates.data(), c.data(), c2.data(), B, kH)) {
      state.SkipWithError("no fused variant on this CPU");
      break;
    }
    benchmark::DoNotOptimize(dzp.data());
  }
  state.SetLabel(kernels::cpu::lstm_step_variant());
}
BENCHMARK(BM_StepBackwardFused)->Arg(32);

struct Shard {
  size_t B;
  std::vector<float> x, W, U, b, h_seq, c_seq, gates, dgates, scratch, dx, dW, dU, db, dh;
  explicit Shard(size_t batch) : B(batch) {
    x = random_floats(kT * B * kE, 0.05, 1);
    W = random_floats(kE * 4 * kH, 0.14, 2);
    U = random_floats(kH * 4 * kH, 0.12, 3);
    b = random_floats(4 * kH, 0.1, 4);
    dh = random_floats(B * kH, 0.1, 5);
    h_seq.resize((kT + 1) * B * kH);
    c_seq.resize((kT + 1) * B * kH);
    gates.resize(kT * B * 4 * kH);
    dgates.resize(kT * B * 4 * kH);
    scratch.resize(kernels::lstm_scratch_size(B, kH));
    dx.resize(kT * B * kE);
    dW.resize(kE * 4 * kH);
    dU.resize(kH * 4 * kH);
    db.resize(4 * kH);
  }
  void forward() {
    kernels::cpu::lstm_forward(h_seq.data(), c_seq.data(), gates.data(), scratch.data(), x.data(),
                               W.data(), U.data(), b.data(), {kT, B, kE, kH});
  }
  void backward() {
    kernels::cpu::lstm_backward(dx.data(), dW.data(), dU.data(), db.data(), dgates.data(),
                                scratch.data(), dh.data(), x.data(), W.data(), U.data(),
                                h_seq.data(), c_seq.data(), gates.data(), {kT, B, kE, kH});
  }
};

void BM_LstmForward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<size_t>(state.range(0)));
  for (auto _ : state) s.forward();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.B));  // sequences
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 *
                             static_cast<double>(s.B * kT * (kE + kH) * 4 * kH),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LstmForward)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

void BM_LstmForwardBackward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    s.forward();
    s.backward();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.B));
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 6.0 *
                             static_cast<double>(s.B * kT * (kE + kH) * 4 * kH),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LstmForwardBackward)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sentiment

BENCHMARK_MAIN();
