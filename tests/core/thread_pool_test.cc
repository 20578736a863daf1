// ThreadPool runs every task exactly once, reports worker ids in range, survives many
// back-to-back jobs, and rethrows a task's exception.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/thread_pool.h"

namespace sentiment {
namespace {

TEST(ThreadPool, EveryTaskRunsOnce) {
  for (size_t threads : {1u, 2u, 4u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int round = 0; round < 200; ++round) {
      std::vector<std::atomic<int>> hits(37);
      pool.parallel_for(hits.size(), [&](size_t task, size_t worker) {
        ASSERT_LT(worker, pool.size());
        hits[task].fetch_add(1);
      });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPool, RethrowsTaskException) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(10,
                                 [](size_t task, size_t) {
                                   if (task == 5) throw std::runtime_error("task 5 failed");
                                 }),
               std::runtime_error);
  std::atomic<int> count{0};
  pool.parallel_for(10, [&](size_t, size_t) { count.fetch_add(1); });
  EXPECT_EQ(count.load(), 10);  // still usable afterwards
}

}  // namespace
}  // namespace sentiment
