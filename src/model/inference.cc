// Shard-parallel forward passes. Caches are per worker: nothing persists between shards.
#include "model/inference.h"

#include <algorithm>
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
                                  size_t batch_size, ThreadPool& pool, const float* projection) {
  std::vector<float> logits(n);
  std::vector<ShardCache> caches(pool.size());
  batch_size = std::max(batch_size, size_t{1});
  for (size_t start = 0; start < n; start += batch_size) {
    const size_t B = std::min(batch_size, n - start);
    pool.parallel_for(num_shards(B), [&](size_t s, size_t worker) {
      const size_t first = start + s * kShardSize;
      const size_t rows = std::min(kShardSize, start + B - first);
      ShardCache& cache = caches[worker];
      cache.resize(model.config(), rows, T, false);
      model_forward(model, cache, tokens + first * T, T, projection);
      std::copy_n(cache.logits.data(), rows, logits.data() + first);
    });
  }
  return logits;
}

}  // namespace sentiment
