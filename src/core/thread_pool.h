// A small fixed-size thread pool for data-parallel loops. parallel_for hands out task
// indices; callers make results deterministic by writing each task's output to its own
// slot and reducing the slots in index order, so the result never depends on which
// thread ran which task or on the number of threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sentiment {

class ThreadPool {
 public:
  // threads == 0 picks std::thread::hardware_concurrency().
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size() + 1; }

  // Runs fn(task, worker) for task in [0, tasks); worker in [0, size()) identifies the
  // thread so callers can index per-thread scratch. The calling thread takes part.
  // The first exception thrown by fn is rethrown here after all tasks finished.
  void parallel_for(size_t tasks, const std::function<void(size_t task, size_t worker)>& fn);

 private:
  void worker_loop(size_t worker);
  void run_tasks(size_t worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t tasks_ = 0;
  size_t next_task_ = 0;
  size_t active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace sentiment
