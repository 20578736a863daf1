// A small fixed-size thread pool for data-parallel loops. parallel_for hands out task
// indices; callers make results deterministic by writing each task's output to its own
// slot and reducing the slots in index order, so the result never depends on which
// thread ran which task or on the number of threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sentiment {

class ThreadPool {
 public:
  // threads == 0 picks std::thread::hardware_concurrency(). Throws Error when the system
  // refuses to start a thread, after stopping the threads already started.
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size() + 1; }

  // Runs fn(task, worker) for task in [0, tasks); worker in [0, size()) identifies the
  // thread so callers can index per-thread scratch. The calling thread takes part. One
  // call at a time per pool. The first exception thrown by fn is rethrown here after all
  // tasks finished.
  void parallel_for(size_t tasks, const std::function<void(size_t task, size_t worker)>& fn);

  // How long an idle thread keeps polling for the next job (or the caller for the workers
  // to finish) before it sleeps: a few milliseconds while the pool has no more threads than
  // the machine has cores, zero otherwise. See thread_pool.cc.
  std::chrono::microseconds spin_time() const { return spin_; }

 private:
  void stop_workers();
  void worker_loop(size_t worker);
  void run_tasks(size_t worker);
  // Polls ready() for up to spin_; true once it holds.
  template <typename Ready>
  bool spin_until(Ready ready) const;

  std::vector<std::thread> workers_;
  std::chrono::microseconds spin_{0};
  // The current job: written by parallel_for before it publishes a new generation_.
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_task_{0};
  std::atomic<size_t> busy_{0};  // workers not yet done with the current generation
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  // Sleeping: workers wait on wake_ for a new generation, the caller on done_ for busy_ == 0.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::exception_ptr error_;  // under mutex_
};

}  // namespace sentiment
