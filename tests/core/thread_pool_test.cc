// ThreadPool runs every task exactly once, reports worker ids in range, survives many
// back-to-back jobs, wakes workers that went to sleep between jobs, and rethrows a task's
// exception; a pool the system refuses threads to stops the ones it started and throws.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
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

// In a child process whose address space is capped a little above what it already maps, a
// pool of 64 threads (8 MiB of stack each) cannot start them all: the constructor must
// throw Error naming the problem after joining the threads it started (a std::thread
// destroyed unjoined would call std::terminate and abort the child).
TEST(ThreadPool, ThrowsAndJoinsWhenTheSystemRefusesAThread) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    size_t pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t limit = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (48u << 20);
    const rlimit cap{limit, limit};
    if (setrlimit(RLIMIT_AS, &cap) != 0) _exit(3);
    try {
      ThreadPool pool(64);
      _exit(2);  // every thread started: the cap did not bite
    } catch (const Error& e) {
      const std::string what = e.what();
      _exit(what.find("cannot start 64 threads") != std::string::npos ? 0 : 4);
    } catch (...) {
      _exit(5);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace sentiment
