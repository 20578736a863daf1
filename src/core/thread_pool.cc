// Fixed worker threads woken per parallel_for; tasks are claimed under one mutex, which
// is cheap next to the per-task work here (a shard of a batch, tens of microseconds).
#include "core/thread_pool.h"

namespace sentiment {

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_tasks(size_t worker) {
  for (;;) {
    size_t task;
    {
      std::lock_guard lock(mutex_);
      if (next_task_ >= tasks_) return;
      task = next_task_++;
    }
    try {
      (*job_)(task, worker);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::worker_loop(size_t worker) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      ++active_;
    }
    run_tasks(worker);
    {
      std::lock_guard lock(mutex_);
      --active_;
    }
    done_.notify_one();
  }
}

void ThreadPool::parallel_for(size_t tasks, const std::function<void(size_t, size_t)>& fn) {
  if (workers_.empty() || tasks <= 1) {
    for (size_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    job_ = &fn;
    tasks_ = tasks;
    next_task_ = 0;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  run_tasks(0);
  std::exception_ptr error;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return active_ == 0 && next_task_ >= tasks_; });
    job_ = nullptr;
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace sentiment
