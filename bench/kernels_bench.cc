// Google Benchmark of the kernels at the recipe's shapes (E = H = 64, T = 200, shard of 32
// sequences): one cell pass, the per-step recurrent GEMM, and a full LSTM forward, backward
// and forward+backward over a shard, plain (every row T steps) and packed (rows of
// decreasing length, as a length-sorted shard); and oneDNN's LSTM primitive at the same
// shapes, forward (inference and training) and forward + backward, beside ours; and the
// quantized models' int8 step product and int8 step (int8 GEMM + cell pass) beside the float
// ones.
// Run by hand: build/release/bench/kernels_bench.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lstm_step.h"
#include "kernels/int8.h"
#include "kernels/lstm.h"

namespace sentiment {
namespace {

constexpr size_t kE = 64, kH = 64, kT = 200;
constexpr const float* kNoMask = nullptr;  // typed: the kernels deduce F from it

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
  if (!kernels::cpu::lstm_step_fused_available(kH)) {
    state.SkipWithError("no fused variant on this CPU");
    return;
  }
  for (auto _ : state) {
    std::copy(z0.begin(), z0.end(), z.begin());
    kernels::cpu::lstm_step_forward_fused(hn.data(), cn.data(), z.data(), z.data(), nullptr,
                                          h.data(), c_prev.data(), Up.data(), B, kH);
    benchmark::DoNotOptimize(hn.data());
  }
  state.SetLabel(kernels::cpu::lstm_step_variant());
}
BENCHMARK(BM_StepForwardFused)->Arg(32)->Arg(29);

// U quantized per output column, as sentiment quantize stores it (random int8 values with
// the scale of the float benchmarks' U).
struct Int8U {
  std::vector<int8_t> q;
  std::vector<int16_t> packed;
  std::vector<float> scale;
  kernels::Int8Matrix matrix() const { return {q.data(), packed.data(), scale.data(), kH, 4 * kH}; }
};

Int8U int8_u() {
  Int8U u{std::vector<int8_t>(kH * 4 * kH),
          std::vector<int16_t>(kernels::int8_packed_size(kH, 4 * kH)),
          std::vector<float>(4 * kH, 0.12f / 127.0f)};
  Rng rng(2);
  for (auto& v : u.q) v = static_cast<int8_t>(rng.uniform(-127.0, 127.0));
  kernels::int8_pack(u.packed.data(), u.q.data(), kH, 4 * kH);
  return u;
}

void BM_RecurrentGemmInt8(benchmark::State& state) {
  const size_t B = static_cast<size_t>(state.range(0));
  const Int8U u = int8_u();
  auto h = random_floats(B * kH, 1.0, 1);
  std::vector<float> z(B * 4 * kH), sa(B);
  std::vector<int16_t> qa(kernels::int8_gemm_scratch_size(B, kH));
  for (auto _ : state) {
    kernels::cpu::int8_gemm(z.data(), 4 * kH, h.data(), kH, u.matrix(), B, 1.0f, qa.data(),
                            sa.data());
    benchmark::DoNotOptimize(z.data());
  }
  state.counters["GOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(B * kH * 4 * kH),
      benchmark::Counter::kIsRate);
  state.SetLabel(kernels::cpu::int8_variant_name(kernels::cpu::int8_best_variant()));
}
BENCHMARK(BM_RecurrentGemmInt8)->Arg(32)->Arg(64);

void BM_StepForwardInt8(benchmark::State& state) {
  const size_t B = static_cast<size_t>(state.range(0));
  const Int8U u = int8_u();
  auto h = random_floats(B * kH, 0.5, 1);
  auto z0 = random_floats(B * 4 * kH, 1.0, 3), c_prev = random_floats(B * kH, 1.0, 4);
  std::vector<float> z(z0.size()), hn(B * kH), cn(B * kH), sa(B);
  std::vector<int16_t> qa(kernels::int8_gemm_scratch_size(B, kH));
  for (auto _ : state) {
    std::copy(z0.begin(), z0.end(), z.begin());
    kernels::cpu::int8_gemm(z.data(), 4 * kH, h.data(), kH, u.matrix(), B, 1.0f, qa.data(),
                            sa.data());
    kernels::cpu::lstm_cell_forward(hn.data(), cn.data(), z.data(), c_prev.data(), B, kH);
    benchmark::DoNotOptimize(hn.data());
  }
  state.SetLabel(kernels::cpu::int8_variant_name(kernels::cpu::int8_best_variant()));
}
BENCHMARK(BM_StepForwardInt8)->Arg(32);

void BM_StepBackwardGemmCell(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  const size_t B = static_cast<size_t>(state.range(0));
  auto dz = random_floats(B * 4 * kH, 0.1, 1), U = random_floats(kH * 4 * kH, 0.12, 2);
  auto gates = random_floats(B * 4 * kH, 1.0, 3), c = random_floats(B * kH, 1.0, 4);
  auto c2 = random_floats(B * kH, 1.0, 5), dh_add = random_floats(B * kH, 0.1, 6);
  std::vector<float> dh(B * kH), dc(B * kH), dzp(B * 4 * kH);
  for (auto _ : state) {
    std::copy(dh_add.begin(), dh_add.end(), dh.begin());  // the loss's dh, as lstm_backward does
    kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kYes, B, kH, 4 * kH, 1.0f, dz.data(),
                         4 * kH, U.data(), 4 * kH, 1.0f, dh.data(), kH);
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
  auto c2 = random_floats(B * kH, 1.0, 5), dh_add = random_floats(B * kH, 0.1, 6);
  std::vector<float> dc(B * kH), dzp(B * 4 * kH), UT(4 * kH * kH);
  kernels::cpu::lstm_step_pack(nullptr, UT.data(), U.data(), kH);
  if (!kernels::cpu::lstm_step_fused_available(kH)) {
    state.SkipWithError("no fused variant on this CPU");
    return;
  }
  for (auto _ : state) {
    kernels::cpu::lstm_step_backward_fused(dzp.data(), dc.data(), dz.data(), UT.data(),
                                           gates.data(), c.data(), c2.data(), nullptr,
                                           dh_add.data(), B, kH);
    benchmark::DoNotOptimize(dzp.data());
  }
  state.SetLabel(kernels::cpu::lstm_step_variant());
}
BENCHMARK(BM_StepBackwardFused)->Arg(32)->Arg(30);

// One shard of B sequences. Plain: every row has kT steps. Packed: lengths fall evenly from
// kT to kT / 5, so N is 60% of B * kT, as in a length-sorted shard of IMDB reviews. dh_seq
// holds the readout's gradient at each row's final step only, as in training.
struct Shard {
  size_t B, N;
  std::vector<size_t> batch_sizes;
  std::vector<float> x, W, U, b, h_seq, c_seq, gates, dgates, scratch, dx, dW, dU, db, dh_seq;
  Shard(size_t batch, bool packed) : B(batch) {
    if (packed) {
      std::vector<size_t> lengths(B);
      for (size_t n = 0; n < B; ++n) lengths[n] = kT - n * (kT - kT / 5) / (B - 1);
      for (size_t t = 0; t < kT; ++t) {
        size_t bt = 0;
        while (bt < B && lengths[bt] > t) ++bt;
        batch_sizes.push_back(bt);
      }
    }
    N = kernels::rnn_packed_rows(dims());
    x = random_floats(N * kE, 0.05, 1);
    W = random_floats(kE * 4 * kH, 0.14, 2);
    U = random_floats(kH * 4 * kH, 0.12, 3);
    b = random_floats(4 * kH, 0.1, 4);
    const auto readout = random_floats(B * kH, 0.1, 5);
    dh_seq.assign(N * kH, 0.0f);
    size_t off = 0;
    for (size_t t = 0; t < kT; ++t) {
      const size_t bt = kernels::rnn_rows(dims(), t);
      const size_t b_next = t + 1 < kT ? kernels::rnn_rows(dims(), t + 1) : 0;
      for (size_t n = b_next; n < bt; ++n)
        std::copy(readout.begin() + static_cast<ptrdiff_t>(n * kH),
                  readout.begin() + static_cast<ptrdiff_t>((n + 1) * kH),
                  dh_seq.begin() + static_cast<ptrdiff_t>((off + n) * kH));
      off += bt;
    }
    h_seq.resize((B + N) * kH);
    c_seq.resize((B + N) * kH);
    gates.resize(N * 4 * kH);
    dgates.resize(N * 4 * kH);
    scratch.resize(kernels::lstm_scratch_size(dims()));
    dx.resize(N * kE);
    dW.resize(kE * 4 * kH);
    dU.resize(kH * 4 * kH);
    db.resize(4 * kH);
  }
  kernels::RnnDims dims() const {
    return {kT, B, kE, kH, batch_sizes.empty() ? nullptr : batch_sizes.data()};
  }
  void forward() {
    kernels::cpu::lstm_forward(h_seq.data(), c_seq.data(), gates.data(), scratch.data(), x.data(),
                               W.data(), U.data(), b.data(), kNoMask, dims());
  }
  void backward() {
    kernels::cpu::lstm_backward(dx.data(), dW.data(), dU.data(), db.data(), dgates.data(),
                                scratch.data(), dh_seq.data(), x.data(), W.data(), U.data(),
                                kNoMask, h_seq.data(), c_seq.data(), gates.data(), dims());
  }
  // Multiply-adds of one forward pass, times 2 for FLOPs.
  double forward_flops() const { return 2.0 * static_cast<double>(N * (kE + kH) * 4 * kH); }
};

// Arguments: shard size B, then 0 = plain, 1 = packed.
void BM_LstmForward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<size_t>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) s.forward();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.B));  // sequences
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * s.forward_flops(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LstmForward)
    ->Args({32, 0})
    ->Args({64, 0})
    ->Args({32, 1})
    ->Unit(benchmark::kMillisecond);

void BM_LstmBackward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<size_t>(state.range(0)), state.range(1) != 0);
  s.forward();
  for (auto _ : state) s.backward();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.B));
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * s.forward_flops(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LstmBackward)
    ->Args({32, 0})
    ->Args({64, 0})
    ->Args({32, 1})
    ->Unit(benchmark::kMillisecond);

void BM_LstmForwardBackward(benchmark::State& state) {
  kernels::gemm_use_single_thread();
  Shard s(static_cast<size_t>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) {
    s.forward();
    s.backward();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.B));
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 3.0 * s.forward_flops(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LstmForwardBackward)
    ->Args({32, 0})
    ->Args({64, 0})
    ->Args({32, 1})
    ->Unit(benchmark::kMillisecond);

// oneDNN's LSTM primitive (vanilla LSTM, one layer, left to right, zero initial state) over
// the plain shard: src_layer (T, B, E), weights in the layouts the primitive picks (the
// reorders from ours are done once, outside the timing, which favours oneDNN: training
// would pay them every step), one OpenMP thread as our kernels have.
struct DnnlLstm {
  using md = dnnl::memory::desc;
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  size_t B;
  dnnl::lstm_forward::primitive_desc fwd_pd;
  dnnl::lstm_backward::primitive_desc bwd_pd;
  dnnl::lstm_forward fwd;
  dnnl::lstm_backward bwd;
  std::unordered_map<int, dnnl::memory> fwd_args, bwd_args;

  DnnlLstm(size_t batch, bool training) : B(batch) {
    const auto T = static_cast<dnnl::memory::dim>(kT), N = static_cast<dnnl::memory::dim>(B);
    const auto E = static_cast<dnnl::memory::dim>(kE), H = static_cast<dnnl::memory::dim>(kH);
    const md src({T, N, E}, dt::f32, tag::tnc), dst({T, N, H}, dt::f32, tag::tnc);
    const md wl_any({1, 1, E, 4, H}, dt::f32, tag::any), wi_any({1, 1, H, 4, H}, dt::f32, tag::any);
    const md bias({1, 1, 4, H}, dt::f32, tag::ldgo), none;
    const auto kind =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    const auto dir = dnnl::rnn_direction::unidirectional_left2right;
    fwd_pd = dnnl::lstm_forward::primitive_desc(
        dnnl::lstm_forward::desc(kind, dir, src, none, none, wl_any, wi_any, bias, dst, none, none),
        eng);
    fwd = dnnl::lstm_forward(fwd_pd);
    auto filled = [&](const md& d, double scale, uint64_t seed) {
      dnnl::memory m(d, eng);
      const auto v = random_floats(d.get_size() / sizeof(float), scale, seed);
      std::copy(v.begin(), v.end(), static_cast<float*>(m.get_data_handle()));
      return m;
    };
    // Weights: ours in ldigo, reordered into the primitive's layout.
    auto weights = [&](const md& plain, const md& want, double scale, uint64_t seed) {
      dnnl::memory from = filled(plain, scale, seed), to(want, eng);
      dnnl::reorder(from, to).execute(strm, from, to);
      strm.wait();
      return to;
    };
    const md wl_plain({1, 1, E, 4, H}, dt::f32, tag::ldigo);
    const md wi_plain({1, 1, H, 4, H}, dt::f32, tag::ldigo);
    fwd_args = {{DNNL_ARG_SRC_LAYER, filled(src, 0.05, 1)},
                {DNNL_ARG_WEIGHTS_LAYER, weights(wl_plain, fwd_pd.weights_layer_desc(), 0.14, 2)},
                {DNNL_ARG_WEIGHTS_ITER, weights(wi_plain, fwd_pd.weights_iter_desc(), 0.12, 3)},
                {DNNL_ARG_BIAS, filled(bias, 0.1, 4)},
                {DNNL_ARG_DST_LAYER, dnnl::memory(dst, eng)}};
    if (!training) return;
    fwd_args[DNNL_ARG_WORKSPACE] = dnnl::memory(fwd_pd.workspace_desc(), eng);
    bwd_pd = dnnl::lstm_backward::primitive_desc(
        dnnl::lstm_backward::desc(dnnl::prop_kind::backward, dir, src, none, none, wl_any, wi_any,
                                  bias, dst, none, none, src, none, none, wl_any, wi_any, bias, dst,
                                  none, none),
        eng, fwd_pd);
    bwd = dnnl::lstm_backward(bwd_pd);
    bwd_args = fwd_args;
    bwd_args[DNNL_ARG_WEIGHTS_LAYER] = weights(wl_plain, bwd_pd.weights_layer_desc(), 0.14, 2);
    bwd_args[DNNL_ARG_WEIGHTS_ITER] = weights(wi_plain, bwd_pd.weights_iter_desc(), 0.12, 3);
    bwd_args[DNNL_ARG_DIFF_SRC_LAYER] = dnnl::memory(bwd_pd.diff_src_desc(), eng);
    bwd_args[DNNL_ARG_DIFF_WEIGHTS_LAYER] = dnnl::memory(bwd_pd.diff_weights_layer_desc(), eng);
    bwd_args[DNNL_ARG_DIFF_WEIGHTS_ITER] = dnnl::memory(bwd_pd.diff_weights_iter_desc(), eng);
    bwd_args[DNNL_ARG_DIFF_BIAS] = dnnl::memory(bwd_pd.diff_bias_desc(), eng);
    // The loss's gradient at the final step only, as our shard's readout has it.
    dnnl::memory diff_dst(dst, eng);
    auto* d = static_cast<float*>(diff_dst.get_data_handle());
    std::fill(d, d + kT * B * kH, 0.0f);
    const auto readout = random_floats(B * kH, 0.1, 5);
    std::copy(readout.begin(), readout.end(), d + (kT - 1) * B * kH);
    bwd_args[DNNL_ARG_DIFF_DST_LAYER] = diff_dst;
  }
  void forward() {
    fwd.execute(strm, fwd_args);
    strm.wait();
  }
  void backward() {
    // Weight gradients accumulate in oneDNN as in ours; both start from zero each time.
    for (int arg : {DNNL_ARG_DIFF_WEIGHTS_LAYER, DNNL_ARG_DIFF_WEIGHTS_ITER, DNNL_ARG_DIFF_BIAS}) {
      dnnl::memory& m = bwd_args[arg];
      auto* p = static_cast<float*>(m.get_data_handle());
      std::fill(p, p + m.get_desc().get_size() / sizeof(float), 0.0f);
    }
    bwd.execute(strm, bwd_args);
    strm.wait();
  }
};

double plain_forward_flops(size_t B) {
  return 2.0 * static_cast<double>(kT * B * (kE + kH) * 4 * kH);
}

// Argument: shard size B (plain rows of kT steps), to set beside BM_LstmForward/B/0 and
// BM_LstmForwardBackward/B/0. The first argument picks inference (0) or training (1).
void BM_DnnlLstmForward(benchmark::State& state) {
  omp_set_num_threads(1);
  const auto B = static_cast<size_t>(state.range(1));
  DnnlLstm lstm(B, state.range(0) != 0);
  for (auto _ : state) lstm.forward();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * B));
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * plain_forward_flops(B),
                         benchmark::Counter::kIsRate);
  state.SetLabel(std::string(state.range(0) ? "forward_training, " : "forward_inference, ") +
                 lstm.fwd_pd.impl_info_str());
}
BENCHMARK(BM_DnnlLstmForward)
    ->Args({0, 32})
    ->Args({1, 32})
    ->Args({0, 64})
    ->Unit(benchmark::kMillisecond);

void BM_DnnlLstmForwardBackward(benchmark::State& state) {
  omp_set_num_threads(1);
  const auto B = static_cast<size_t>(state.range(0));
  DnnlLstm lstm(B, true);
  for (auto _ : state) {
    lstm.forward();
    lstm.backward();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * B));
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 3.0 * plain_forward_flops(B),
                         benchmark::Counter::kIsRate);
  state.SetLabel(lstm.bwd_pd.impl_info_str());
}
BENCHMARK(BM_DnnlLstmForwardBackward)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sentiment

BENCHMARK_MAIN();
