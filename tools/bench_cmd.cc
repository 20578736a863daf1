// `sentiment bench`: the end-to-end benchmark on the real data and the recipe's shapes.
// Reports training seconds per epoch and samples/s, inference reviews/s at batch 1, 64 and
// 256 (with batch-1 latency percentiles), the matrix-product throughput against the GEMM
// peak measured in the same run on the same threads (for the recipe's arithmetic as
// written, and for what actually runs), and peak RSS. --thread-scaling instead times whole
// training epochs alternately on one thread and on --threads, with the hypervisor's steal
// time beside each, and checks that both give the same weights.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_int8.h"
#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "kernels/cpu/gemm.h"
#include "model/inference.h"
#include "train/trainer.h"

namespace sentiment::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string data;
  int epochs = 1;
  int threads = 0;
  int latency_samples = 2000;
  int scaling_rounds = 0;
  bool json = false;
  bool no_download = false;
};

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[k];
}

// CPU time the hypervisor gave to others while this machine's CPUs had work ("steal" in
// /proc/stat, all CPUs together), in seconds; negative where the system does not say.
double host_steal_s() {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return -1.0;
  unsigned long long v[8] = {};
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6], &v[7]);
  std::fclose(f);
  const long ticks = sysconf(_SC_CLK_TCK);
  if (n != 8 || ticks <= 0) return -1.0;
  return static_cast<double>(v[7]) / static_cast<double>(ticks);
}

// Steal time since an earlier host_steal_s() reading, rounded to 0.01 s; -1 where unknown.
double steal_since(double start) {
  if (start < 0.0) return -1.0;
  return std::round((host_steal_s() - start) * 100.0) / 100.0;
}

// One training epoch of the recipe from the same initial weights; its seconds and the steal
// time during it.
struct TimedEpoch {
  double seconds = 0.0, steal_s = 0.0;
  std::vector<float> weights;
};

TimedEpoch timed_epoch(const data::EncodedSplit& train, ThreadPool& pool) {
  Model model{ModelConfig{}};
  Rng rng(1);
  model.initialize(rng);
  TrainConfig tc;
  tc.epochs = 1;
  const double steal = host_steal_s();
  const History h = fit(model, train, tc, pool);
  TimedEpoch e;
  e.seconds = h.epoch_seconds.front();
  e.steal_s = steal_since(steal);
  e.weights.assign(model.params().begin(), model.params().end());
  return e;
}

// --thread-scaling: pairs of epochs, one thread then `pool`, alternating, so that both
// sides of each ratio ran minutes apart at most.
int run_thread_scaling(const BenchOptions& o, const data::EncodedSplit& train, ThreadPool& pool) {
  ThreadPool one(1);
  std::vector<double> ratios, one_s, many_s;
  nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
  bool identical = true;
  std::vector<float> reference;
  for (int r = 0; r < o.scaling_rounds; ++r) {
    const TimedEpoch a = timed_epoch(train, one);
    const TimedEpoch b = timed_epoch(train, pool);
    if (reference.empty()) reference = a.weights;
    identical = identical && a.weights == reference && b.weights == reference;
    ratios.push_back(a.seconds / b.seconds);
    one_s.push_back(a.seconds);
    many_s.push_back(b.seconds);
    pairs.push_back({{"one_thread_s", a.seconds},
                     {"one_thread_steal_s", a.steal_s},
                     {"threads_s", b.seconds},
                     {"threads_steal_s", b.steal_s},
                     {"speedup", ratios.back()}});
    if (!o.json)
      print_stdout(
          "  pair %d: 1 thread %.2f s (steal %.2f s), %zu threads %.2f s (steal %.2f s): "
          "%.2fx\n",
          r + 1, a.seconds, a.steal_s, pool.size(), b.seconds, b.steal_s, ratios.back());
  }
  const double best_one = *std::min_element(one_s.begin(), one_s.end());
  const double best_many = *std::min_element(many_s.begin(), many_s.end());
  const double best = best_one / best_many;
  std::sort(ratios.begin(), ratios.end());
  const size_t mid = ratios.size() / 2;
  const double median = ratios.size() % 2 ? ratios[mid] : 0.5 * (ratios[mid - 1] + ratios[mid]);
  if (o.json) {
    nlohmann::ordered_json j;
    j["tool"] = "lstm-sentiment";
    j["threads"] = pool.size();
    j["pairs"] = pairs;
    j["median_speedup"] = median;
    j["best_epochs_speedup"] = best;
    j["identical_weights"] = identical;
    print_stdout("%s\n", j.dump().c_str());
  } else {
    print_stdout(
        "1 -> %zu threads: median %.2fx over %d pairs; best epochs %.2f s / %.2f s = "
        "%.2fx; final weights %s\n",
        pool.size(), median, o.scaling_rounds, best_one, best_many, best,
        identical ? "bit-identical" : "DIFFER");
  }
  return identical ? 0 : 1;
}

// Aggregate sgemm GFLOP/s with every worker running its own single-threaded GEMM of the
// given shape at once, the way training uses the cores.
double gemm_peak(ThreadPool& pool, size_t M, size_t N, size_t K, double seconds) {
  std::vector<std::vector<float>> a(pool.size()), b(pool.size()), c(pool.size());
  for (size_t w = 0; w < pool.size(); ++w) {
    a[w].assign(M * K, 0.5f);
    b[w].assign(K * N, 0.25f);
    c[w].assign(M * N, 0.0f);
  }
  std::vector<size_t> calls(pool.size(), 0);
  const auto start = Clock::now();
  pool.parallel_for(pool.size(), [&](size_t, size_t w) {
    while (seconds_since(start) < seconds) {
      for (int r = 0; r < 8; ++r)
        kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kNo, M, N, K, 1.0f, a[w].data(),
                             K, b[w].data(), N, 0.0f, c[w].data(), N);
      calls[w] += 8;
    }
  });
  const double elapsed = seconds_since(start);
  size_t total = 0;
  for (size_t n : calls) total += n;
  return static_cast<double>(total) * 2.0 * static_cast<double>(M * N * K) / elapsed / 1e9;
}

// The matrix-product FLOPs the recipe's LSTM runs over rows [begin, end) in shards as
// training cuts them: every shard's packed rows (tokens after the leading padding), its
// distinct tokens (the first layer's input projection and its gradients) and its padding run
// (one row of P steps, P the shard's longest leading padding). Training counts backward too
// (twice forward's products). An estimate in that the epoch's shuffled shards group other
// reviews together; the stored order is itself a shuffle, so the figures match on average.
double executed_flops(const data::EncodedSplit& split, size_t begin, size_t end, double E, double H,
                      bool training) {
  const double G = 4.0 * H;
  double flops = 0.0;
  std::vector<uint8_t> seen;
  std::vector<int32_t> used;
  for (size_t s = begin; s < end; s += kShardSize) {
    double rows = 0.0, distinct = 0.0;
    size_t longest_pad = 0;
    for (size_t r = s; r < std::min(end, s + kShardSize); ++r) {
      const int32_t* row = split.tokens.data() + r * split.maxlen;
      size_t pad = 0;
      while (pad < split.maxlen && row[pad] == 0) ++pad;
      longest_pad = std::max(longest_pad, pad);
      rows += static_cast<double>(split.maxlen - pad);
      for (size_t k = pad; k < split.maxlen; ++k) {
        const auto t = static_cast<size_t>(row[k]);
        if (t >= seen.size()) seen.resize(t + 1, 0);
        if (!seen[t]) seen[t] = 1, used.push_back(row[k]), distinct += 1.0;
      }
    }
    for (int32_t t : used) seen[static_cast<size_t>(t)] = 0;
    used.clear();
    const double forward =
        2.0 * G * (distinct * E + rows * H + static_cast<double>(longest_pad) * (E + H));
    flops += training ? 3.0 * forward : forward;
  }
  return flops;
}

int run_bench(const BenchOptions& o) {
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  if (o.scaling_rounds > 0 && pool->size() < 2)
    throw Error("--thread-scaling compares 1 thread with --threads, which is 1 here");
  const auto data_path = find_imdb(o.data, !o.no_download);
  auto t = Clock::now();
  // The raw texts are dropped once encoded, as `sentiment train` drops them.
  const data::EncodedImdb enc = data::encode_imdb(data::read_imdb(data_path), {});
  const double load_s = seconds_since(t);
  if (o.scaling_rounds > 0) {
    if (!o.json)
      print_stdout(
          "training epochs of the recipe (validation included), 1 thread and %zu, "
          "alternating:\n",
          pool->size());
    return run_thread_scaling(o, enc.train, *pool);
  }

  const ModelConfig mc;  // the recipe: V 10000, E 64, H 64
  Model model(mc);
  Rng rng(1);
  model.initialize(rng);
  TrainConfig tc;
  tc.epochs = o.epochs;
  const double steal0 = host_steal_s();
  const History h = fit(model, enc.train, tc, *pool);
  const double steal_s = steal_since(steal0);
  const double epoch_s = *std::min_element(h.epoch_seconds.begin(), h.epoch_seconds.end());
  const double T = static_cast<double>(enc.train.maxlen);
  const double E = static_cast<double>(mc.embedding_dim);
  const double H = static_cast<double>(mc.layers[0].units);
  const double n_val = std::floor(static_cast<double>(enc.train.n) * tc.validation_split);
  const double n_train = static_cast<double>(enc.train.n) - n_val;
  const double step_flops = 2.0 * (E + H) * 4.0 * H;  // forward gate GEMMs per sample-step
  const double epoch_flops = (3.0 * n_train + n_val) * T * step_flops;
  const double achieved = epoch_flops / epoch_s / 1e9;
  const auto n_fit = static_cast<size_t>(n_train);
  const double executed = executed_flops(enc.train, 0, n_fit, E, H, true) +
                          executed_flops(enc.train, n_fit, enc.train.n, E, H, false);
  const double executed_rate = executed / epoch_s / 1e9;

  const auto& test = enc.test;
  // Inference as Classifier::predict runs it: input projections looked up per word.
  t = Clock::now();
  const ProjectionTables table = input_projection_tables(model);
  const double table_s = seconds_since(t);
  nlohmann::ordered_json inference;
  inference["projection_table_s"] = table_s;
  for (size_t batch : {size_t{64}, size_t{256}}) {
    predict_logits(model, test.tokens.data(), 2048, test.maxlen, batch, *pool, &table);
    t = Clock::now();
    predict_logits(model, test.tokens.data(), test.n, test.maxlen, batch, *pool, &table);
    const double s = seconds_since(t);
    inference["batch_" + std::to_string(batch) + "_reviews_per_s"] =
        static_cast<double>(test.n) / s;
  }
  // Batch 1: one review at a time on one thread, as a latency-bound client would see it.
  ThreadPool single(1);
  std::vector<double> lat_ms;
  const size_t n1 = std::min<size_t>(static_cast<size_t>(o.latency_samples), test.n);
  t = Clock::now();
  for (size_t k = 0; k < n1; ++k) {
    const auto s = Clock::now();
    predict_logits(model, test.tokens.data() + k * test.maxlen, 1, test.maxlen, 1, single, &table);
    lat_ms.push_back(seconds_since(s) * 1e3);
  }
  inference["batch_1_reviews_per_s"] = static_cast<double>(n1) / seconds_since(t);
  inference["batch_1_p50_ms"] = percentile(lat_ms, 0.50);
  inference["batch_1_p99_ms"] = percentile(lat_ms, 0.99);

  const double peak_large = gemm_peak(*pool, 1024, 1024, 1024, 1.0);
  const double peak_small =
      gemm_peak(*pool, kShardSize, 4 * mc.layers[0].units, mc.layers[0].units, 1.0);
  nlohmann::ordered_json j;
  j["tool"] = "lstm-sentiment";
  j["threads"] = pool->size();
  j["blas"] = kernels::gemm_backend_name();
  j["data_load_encode_s"] = load_s;
  j["epoch_s"] = epoch_s;
  j["epoch_seconds"] = h.epoch_seconds;
  j["train_samples_per_s"] = n_train / epoch_s;
  j["val_accuracy"] = h.val_accuracy.back();
  j["training_host_steal_s"] = steal_s;
  j["epoch_gemm_gflop"] = epoch_flops / 1e9;
  j["achieved_gflop_per_s"] = achieved;
  j["executed_epoch_gflop"] = executed / 1e9;
  j["executed_gflop_per_s"] = executed_rate;
  j["gemm_peak_gflop_per_s"] = {{"1024x1024x1024", peak_large},
                                {"lstm_step_32x256x64", peak_small}};
  j["share_of_gemm_peak"] = achieved / peak_large;
  j["executed_share_of_gemm_peak"] = executed_rate / peak_large;
  j["inference"] = inference;
  j["peak_rss_mib"] = peak_rss_mib();
  if (o.json) {
    print_stdout("%s\n", j.dump().c_str());
    return 0;
  }
  print_stdout("threads %zu, %s\n", pool->size(), kernels::gemm_backend_name());
  print_stdout("load + encode 50,000 reviews: %.2f s\n", load_s);
  print_stdout(
      "training: %.2f s/epoch (best of %d, validation included), %.0f samples/s; host "
      "steal during training %.2f s\n",
      epoch_s, o.epochs, n_train / epoch_s, steal_s);
  print_stdout(
      "          %.0f GFLOP/epoch of matrix products as the recipe is written -> %.1f GFLOP/s "
      "= %.0f%% of the measured sgemm peak (%.1f GFLOP/s 1024^3; %.1f GFLOP/s at the step "
      "shape)\n",
      epoch_flops / 1e9, achieved, 100.0 * achieved / peak_large, peak_large, peak_small);
  print_stdout(
      "          %.0f GFLOP/epoch executed (padding shared, inputs projected per distinct "
      "token) -> %.1f GFLOP/s = %.0f%% of that peak\n",
      executed / 1e9, executed_rate, 100.0 * executed_rate / peak_large);
  print_stdout(
      "inference: %.0f reviews/s at batch 256, %.0f at batch 64, %.0f at batch 1 "
      "(p50 %.2f ms, p99 %.2f ms)\n",
      inference["batch_256_reviews_per_s"].get<double>(),
      inference["batch_64_reviews_per_s"].get<double>(),
      inference["batch_1_reviews_per_s"].get<double>(), inference["batch_1_p50_ms"].get<double>(),
      inference["batch_1_p99_ms"].get<double>());
  print_stdout("peak RSS: %.0f MiB\n", peak_rss_mib());
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd =
      app.add_subcommand("bench", "Benchmark training and inference on the IMDB recipe's shapes");
  cmd->add_option("--data", o->data, "aclImdb directory or archive (as for train)");
  cmd->add_option("--epochs", o->epochs, "Training epochs to time (the best is reported)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, kThreadsHelp)->check(CLI::Range(0, 1024));
  cmd->add_option("--latency-samples", o->latency_samples, "Reviews timed one at a time")
      ->check(CLI::Range(10, 1000000))
      ->capture_default_str();
  CLI::Option* scaling =
      cmd->add_option("--thread-scaling", o->scaling_rounds,
                      "Instead of the full benchmark: time this many pairs of training epochs, one "
                      "on 1 thread and one on --threads, alternating; prints each pair's ratio "
                      "with the host's steal time, and checks that both give the same weights")
          ->check(CLI::Range(1, 100));
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->add_flag("--no-download", o->no_download, "Never download the dataset");
  auto q = std::make_shared<Int8BenchOptions>();
  CLI::Option* int8 = cmd->add_option(
      "--int8", q->model,
      "Instead: MODEL and its int8 form side by side on the IMDB test split (accuracy, "
      "reviews/s in alternating rounds, file sizes)");
  int8->check(CLI::ExistingFile)->excludes(scaling);
  cmd->add_option("--int8-rounds", q->rounds, "Alternating float/int8 passes to time")
      ->check(CLI::Range(1, 1000))
      ->needs(int8);
  return [o, q] {
    if (q->model.empty()) return run_bench(*o);
    q->data = o->data;
    q->threads = o->threads;
    q->json = o->json;
    q->no_download = o->no_download;
    return run_int8_bench(*q);
  };
}

}  // namespace sentiment::cli
