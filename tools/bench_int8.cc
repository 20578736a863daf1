// Float against int8 on one machine in one run: both models see the same encoded reviews,
// and the timed passes alternate (float, int8, float, ...) so that both sides of each
// ratio ran seconds apart on a machine whose load changes.
#include "bench_int8.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "common.h"
#include "core/error.h"
#include "data/imdb.h"
#include "io/model_file.h"
#include "kernels/int8.h"
#include "model/quantized.h"

namespace sentiment::cli {
namespace {

double accuracy(const std::vector<float>& p, const std::vector<int32_t>& labels) {
  size_t right = 0;
  for (size_t k = 0; k < labels.size(); ++k) right += (p[k] > 0.5f) == (labels[k] == 1);
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int run_int8_bench(const Int8BenchOptions& o) {
  const Classifier f = load_model(o.model);
  if (f.model().quantized()) throw Error("model file " + o.model + " is already quantized");
  if (!f.binary()) throw Error("bench --int8 needs a binary (IMDB) model");
  Classifier q(quantize_model(f.model()), f.vocabulary(), f.preprocessing(), f.labels());
  const bool default_int8 = q.model().int8_steps();
  // The int8 file as loaded (its default step products on this CPU) and with int8 steps on.
  Classifier q8 = q;
  q8.set_int8_steps(true);
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  const data::ImdbReviews reviews = data::read_imdb(find_imdb(o.data, !o.no_download));
  std::vector<std::string_view> texts;
  std::vector<int32_t> labels;
  for (const auto& r : reviews.test) {
    texts.push_back(r.text);
    labels.push_back(r.label);
  }
  const std::vector<int32_t> rows = f.encode(texts);
  const size_t n = texts.size();
  std::vector<double> float_rps, int8_rps, steps_rps, ratios, steps_ratios;
  std::vector<float> pf, pq, p8;
  auto timed = [&](const Classifier& c, std::vector<float>& p, std::vector<double>& rps) {
    const auto t = std::chrono::steady_clock::now();
    p = c.predict_encoded(rows, *pool);
    rps.push_back(static_cast<double>(n) / seconds_since(t));
  };
  for (int r = 0; r < o.rounds; ++r) {
    timed(f, pf, float_rps);
    timed(q, pq, int8_rps);
    timed(q8, p8, steps_rps);
    ratios.push_back(int8_rps.back() / float_rps.back());
    steps_ratios.push_back(steps_rps.back() / float_rps.back());
  }
  // Against the float model: the int8 weights with float steps, and with int8 steps.
  double max_diff = 0.0, max_diff8 = 0.0;
  size_t flipped = 0, flipped8 = 0;
  for (size_t k = 0; k < n; ++k) {
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(pf[k] - pq[k])));
    max_diff8 = std::max(max_diff8, static_cast<double>(std::fabs(pf[k] - p8[k])));
    flipped += (pf[k] > 0.5f) != (pq[k] > 0.5f);
    flipped8 += (pf[k] > 0.5f) != (p8[k] > 0.5f);
  }
  const size_t float_bytes = std::filesystem::file_size(o.model);
  const size_t int8_bytes = serialize_model(q).size();
  const char* variant = kernels::cpu::int8_variant_name(kernels::cpu::int8_best_variant());
  if (o.json) {
    nlohmann::ordered_json j;
    j["model"] = o.model;
    j["reviews"] = n;
    j["threads"] = pool->size();
    j["int8_variant"] = variant;
    j["int8_steps_by_default"] = default_int8;
    j["float_accuracy"] = accuracy(pf, labels);
    j["int8_accuracy"] = accuracy(pq, labels);
    j["int8_steps_accuracy"] = accuracy(p8, labels);
    j["max_probability_difference"] = max_diff;
    j["int8_steps_max_probability_difference"] = max_diff8;
    j["flipped_predictions"] = flipped;
    j["int8_steps_flipped_predictions"] = flipped8;
    j["float_reviews_per_s"] = float_rps;
    j["int8_reviews_per_s"] = int8_rps;
    j["int8_steps_reviews_per_s"] = steps_rps;
    j["speedup"] = ratios;
    j["median_speedup"] = median(ratios);
    j["int8_steps_median_speedup"] = median(steps_ratios);
    j["float_file_bytes"] = float_bytes;
    j["int8_file_bytes"] = int8_bytes;
    print_stdout("%s\n", j.dump(1).c_str());
    return 0;
  }
  print_stdout("%s on %zu IMDB test reviews, %zu threads, batch 256, int8 variant %s\n",
               o.model.c_str(), n, pool->size(), variant);
  print_stdout("int8 file as loaded here: %s step products\n", default_int8 ? "int8" : "float");
  print_stdout(
      "accuracy: float %.4f | int8 file %.4f (%zu flipped, max |dp| %.4f) | int8 steps "
      "%.4f (%zu flipped, max |dp| %.4f)\n",
      accuracy(pf, labels), accuracy(pq, labels), flipped, max_diff, accuracy(p8, labels), flipped8,
      max_diff8);
  for (size_t r = 0; r < ratios.size(); ++r)
    print_stdout(
        "  round %zu: float %.0f reviews/s | int8 file %.0f (%.2fx) | int8 steps %.0f "
        "(%.2fx)\n",
        r + 1, float_rps[r], int8_rps[r], ratios[r], steps_rps[r], steps_ratios[r]);
  print_stdout("median over float: int8 file %.2fx, int8 steps %.2fx\n", median(ratios),
               median(steps_ratios));
  print_stdout("file size: float %zu bytes, int8 %zu bytes (%.2fx smaller)\n", float_bytes,
               int8_bytes, static_cast<double>(float_bytes) / static_cast<double>(int8_bytes));
  return 0;
}

}  // namespace sentiment::cli
