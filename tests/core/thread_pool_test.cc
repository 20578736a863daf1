// ThreadPool runs every task exactly once, reports worker ids in range, survives many
// back-to-back jobs, wakes workers that went to sleep between jobs, and rethrows a task's
// exception.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
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

// Two tasks that each wait for the other: only both threads together finish them. Between
// jobs the pool idles past its polling time, so its worker sleeps and must be woken.
void both_threads_take_part(ThreadPool& pool) {
  std::atomic<int> arrived{0};
  std::atomic<bool> met{true};
  pool.parallel_for(2, [&](size_t, size_t) {
    arrived.fetch_add(1);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (arrived.load() < 2)
      if (std::chrono::steady_clock::now() > give_up) {
        met = false;
        return;
      }
  });
  EXPECT_TRUE(met.load());
}

TEST(ThreadPool, WakesWorkersAfterTheyFellAsleep) {
  ThreadPool pool(2);
  for (int round = 0; round < 4; ++round) {
    std::this_thread::sleep_for(pool.spin_time() * 3 + std::chrono::milliseconds(5));
    both_threads_take_part(pool);
  }
  for (int round = 0; round < 100; ++round) both_threads_take_part(pool);  // back to back
}

TEST(ThreadPool, NoPollingWithMoreThreadsThanCores) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  ThreadPool over(cores + 1);
  EXPECT_EQ(over.spin_time().count(), 0);
  both_threads_take_part(over);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  both_threads_take_part(over);
  EXPECT_GT(ThreadPool(1).spin_time().count(), 0);
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
