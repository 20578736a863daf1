// Batched, multi-threaded forward passes of a const Model over encoded rows: the one
// inference path shared by evaluation, prediction and the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "layers/loss.h"
#include "model/model.h"

namespace sentiment {

// Samples per shard: the unit of parallel work and of deterministic reduction. Fixed, so
// the floating-point order never depends on the thread count.
inline constexpr size_t kShardSize = 32;

inline size_t num_shards(size_t batch) {
  return (batch + kShardSize - 1) / kShardSize;
}

// Throws Error when any token is outside [0, vocab_size).
void check_tokens(const Model& model, const int32_t* tokens, size_t count);

// Logits (n, outputs) of n rows of T tokens (row-major (n, T)), computed in chunks of
// batch_size rows split into shards on the pool. Tokens must be valid (see check_tokens).
// projection: optional input_projection_tables(model), which halve the work (see
// model_forward).
std::vector<float> predict_logits(const Model& model, const int32_t* tokens, size_t n, size_t T,
                                  size_t batch_size, ThreadPool& pool,
                                  const ProjectionTables* projection = nullptr);

}  // namespace sentiment
