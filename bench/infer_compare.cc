// Inference speed of a saved model on encoded IMDB test reviews, for
// bench/compare_onnxruntime.sh: writes the rows it times (int64, little-endian) so ONNX
// Runtime can time the very same ones, then prints reviews/s at batch 1, 64 and 256 as JSON.
//   infer_compare MODEL DATA REVIEWS THREADS IDS_OUT
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/thread_pool.h"
#include "data/imdb.h"
#include "io/model_file.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr int kRepeats = 3;             // best of, per batch size
constexpr size_t kBatchOneRows = 1000;  // reviews timed one at a time

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: infer_compare MODEL DATA REVIEWS THREADS IDS_OUT\n");
    return 2;
  }
  try {
    using namespace sentiment;
    const Classifier c = load_model(argv[1]);
    const size_t n_wanted = std::stoul(argv[3]);
    ThreadPool pool(std::stoul(argv[4]));
    const data::ImdbReviews reviews = data::read_imdb(argv[2]);
    const size_t n = std::min(n_wanted, reviews.test.size());
    // Every k-th review, so both labels and all lengths are in the sample.
    const size_t stride = reviews.test.size() / n;
    std::vector<std::string_view> texts;
    for (size_t k = 0; k < n; ++k) texts.push_back(reviews.test[k * stride].text);
    const std::vector<int32_t> rows = c.encode(texts);
    const size_t T = c.preprocessing().maxlen;

    std::string bytes(rows.size() * 8, '\0');
    for (size_t k = 0; k < rows.size(); ++k) {
      const auto v = static_cast<uint64_t>(static_cast<int64_t>(rows[k]));
      for (int b = 0; b < 8; ++b) bytes[k * 8 + b] = static_cast<char>((v >> (8 * b)) & 0xff);
    }
    write_file_atomic(argv[5], bytes);

    std::printf("{\"reviews\": %zu, \"maxlen\": %zu", n, T);
    for (size_t batch : {size_t{64}, size_t{256}}) {
      double best = 1e30;
      c.predict_proba_encoded(rows, pool, batch);  // warm-up
      for (int r = 0; r < kRepeats; ++r) {
        const auto t = Clock::now();
        c.predict_proba_encoded(rows, pool, batch);
        best = std::min(best, seconds_since(t));
      }
      std::printf(", \"batch_%zu\": %.1f", batch, static_cast<double>(n) / best);
    }
    const size_t n1 = std::min(n, kBatchOneRows);
    double best = 1e30;
    for (int r = 0; r < kRepeats; ++r) {
      const auto t = Clock::now();
      for (size_t k = 0; k < n1; ++k) {
        const std::vector<int32_t> one(rows.begin() + static_cast<ptrdiff_t>(k * T),
                                       rows.begin() + static_cast<ptrdiff_t>((k + 1) * T));
        c.predict_proba_encoded(one, pool, 1);
      }
      best = std::min(best, seconds_since(t));
    }
    std::printf(", \"batch_1\": %.1f}\n", static_cast<double>(n1) / best);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
