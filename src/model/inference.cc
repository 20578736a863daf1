// Shard-parallel forward passes. Caches are per worker: nothing persists between shards.
#include "model/inference.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/error.h"

namespace sentiment {

void check_tokens(const Model& model, const int32_t* tokens, size_t count) {
  const auto V = static_cast<int32_t>(model.config().vocab_size);
  for (size_t k = 0; k < count; ++k)
    if (tokens[k] < 0 || tokens[k] >= V)
      throw Error("token index " + std::to_string(tokens[k]) + " at position " + std::to_string(k) +
                  " is outside the vocabulary [0, " + std::to_string(V) + ")");
}

std::vector<float> predict_logits(const Model& model, const int32_t* tokens, size_t n, size_t T,
                                  size_t batch_size, ThreadPool& pool,
                                  const ProjectionTables* projection) {
  const size_t O = model.config().outputs();
  std::vector<float> logits(n * O);
  std::vector<ShardCache> caches(pool.size());
  batch_size = std::max(batch_size, size_t{1});
  // A padding run kept for all T steps pays off only where a worker runs several shards.
  size_t shards = 0;
  for (size_t start = 0; start < n; start += batch_size)
    shards += num_shards(std::min(batch_size, n - start));
  const bool keep_padding = shards > pool.size();
  std::vector<size_t> order;
  std::vector<size_t> cost;
  for (size_t start = 0; start < n; start += batch_size) {
    const size_t B = std::min(batch_size, n - start);
    // Longest shards first (by their non-padding tokens), so that the workers finish the
    // batch together instead of one waiting on the other's last long shard.
    const size_t S = num_shards(B);
    order.resize(S);
    cost.assign(S, 0);
    std::iota(order.begin(), order.end(), size_t{0});
    if (S > pool.size()) {
      for (size_t r = 0; r < B; ++r) {
        const int32_t* row = tokens + (start + r) * T;
        cost[r / kShardSize] +=
            static_cast<size_t>(std::count_if(row, row + T, [](int32_t v) { return v != 0; }));
      }
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return cost[a] > cost[b]; });
    }
    pool.parallel_for(S, [&](size_t task, size_t worker) {
      const size_t s = order[task];
      const size_t first = start + s * kShardSize;
      const size_t rows = std::min(kShardSize, start + B - first);
      ShardCache& cache = caches[worker];
      cache.training = false;
      cache.paths.keep_padding_run = keep_padding;  // the model is const for the whole call
      model_forward(model, cache, tokens + first * T, rows, T, T, projection);
      std::copy_n(cache.logits.data(), rows * O, logits.data() + first * O);
    });
  }
  return logits;
}

}  // namespace sentiment
