// predict_logits: every row's logits equal that row's own forward, whatever the batch size,
// the thread count and the order in which a batch's shards run.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/rng.h"
#include "core/thread_pool.h"
#include "model/inference.h"

namespace sentiment {
namespace {

// 300 rows of T = 40, pre-padded to lengths 0..40 in a scrambled order, so the shards of a
// batch differ in work and the longest-first order differs from the row order.
std::vector<int32_t> varied_rows(size_t n, size_t T, size_t V, uint64_t seed) {
  std::vector<int32_t> tokens(n * T, 0);
  Rng rng(seed);
  for (size_t r = 0; r < n; ++r) {
    const size_t len = (r * 37) % (T + 1);
    for (size_t k = T - len; k < T; ++k)
      tokens[r * T + k] = 1 + static_cast<int32_t>(rng.next_u64() % (V - 1));
  }
  return tokens;
}

TEST(PredictLogits, EveryRowEqualsItsOwnForward) {
  ModelConfig cfg = lstm_config(50, 8, 32);
  Model model(cfg);
  Rng rng(3);
  model.initialize(rng);
  const size_t n = 300, T = 40;
  const std::vector<int32_t> tokens = varied_rows(n, T, cfg.vocab_size, 4);
  const ProjectionTables tables = input_projection_tables(model);
  for (const ProjectionTables* projection :
       {static_cast<const ProjectionTables*>(nullptr), &tables}) {
    std::vector<float> alone(n);
    for (size_t r = 0; r < n; ++r) {
      ShardCache c;
      model_forward(model, c, tokens.data() + r * T, 1, T, T, projection);
      alone[r] = c.logits[0];
    }
    std::vector<float> one_thread;
    for (size_t threads : {1u, 2u})
      for (size_t batch : {1u, 7u, 64u, 256u}) {
        ThreadPool pool(threads);
        const auto logits = predict_logits(model, tokens.data(), n, T, batch, pool, projection);
        ASSERT_EQ(logits.size(), n);
        for (size_t r = 0; r < n; ++r)
          EXPECT_NEAR(logits[r], alone[r], 1e-6) << "row " << r << " batch " << batch;
        if (threads == 1 && batch == 256) one_thread = logits;
        if (threads == 2 && batch == 256) {
          EXPECT_EQ(logits, one_thread);
        }
      }
  }
}

}  // namespace
}  // namespace sentiment
