// Fixed worker threads, all joining every parallel_for. Tasks are claimed with one atomic
// counter. A thread with nothing to do polls for a while before it sleeps on a condition
// variable: the training loop calls parallel_for every few milliseconds with well under a
// millisecond in between, and waking a sleeping thread costs far more than that gap on a
// virtual machine, where an idle vCPU is descheduled by the host and a wake-up becomes an
// interrupt to another physical core. The same reasoning sets OpenMP runtimes' spin-wait
// (GOMP_SPINCOUNT, KMP_BLOCKTIME). Polling is skipped when the pool has more threads than
// the machine has cores, where a polling thread would take a core from a working one.
#include "core/thread_pool.h"

#include <algorithm>
#include <string>
#include <system_error>

#include "core/error.h"

namespace sentiment {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

constexpr std::chrono::microseconds kSpin{2000};

}  // namespace

ThreadPool::ThreadPool(size_t threads) {
  // Read once: hardware_concurrency() opens and parses a /sys file on every call, and a
  // server makes a one-thread pool per request.
  static const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (threads == 0) threads = cores;
  spin_ = threads <= cores ? kSpin : std::chrono::microseconds{0};
  workers_.reserve(threads - 1);
  try {
    for (size_t w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
  } catch (const std::system_error& e) {
    // The system refused a thread (a process or memory limit): the ones already running
    // are stopped and joined, so that nothing is destroyed unjoined.
    const size_t started = workers_.size() + 1;
    stop_workers();
    throw Error("cannot start " + std::to_string(threads) + " threads (the system refused thread " +
                std::to_string(started + 1) + ": " + e.what() + "); try fewer threads");
  }
}

ThreadPool::~ThreadPool() {
  stop_workers();
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

template <typename Ready>
bool ThreadPool::spin_until(Ready ready) const {
  if (ready()) return true;
  if (spin_.count() == 0) return false;
  const auto until = std::chrono::steady_clock::now() + spin_;
  for (;;) {
    for (int k = 0; k < 64; ++k) {
      cpu_relax();
      if (ready()) return true;
    }
    if (std::chrono::steady_clock::now() >= until) return false;
  }
}

void ThreadPool::run_tasks(size_t worker) {
  for (;;) {
    const size_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_) return;
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
    auto ready = [&] {
      return stop_.load(std::memory_order_acquire) ||
             generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spin_until(ready)) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, ready);
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    run_tasks(worker);
    if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The last worker out: the lock orders this with a caller about to sleep on done_.
      std::lock_guard lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(size_t tasks, const std::function<void(size_t, size_t)>& fn) {
  if (workers_.empty() || tasks <= 1) {
    for (size_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  job_ = &fn;
  tasks_ = tasks;
  next_task_.store(0, std::memory_order_relaxed);
  busy_.store(workers_.size(), std::memory_order_relaxed);
  {
    // Under the lock, so that a worker between its check and its sleep cannot miss it.
    std::lock_guard lock(mutex_);
    error_ = nullptr;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_tasks(0);
  auto finished = [&] { return busy_.load(std::memory_order_acquire) == 0; };
  std::exception_ptr error;
  if (!spin_until(finished)) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, finished);
  }
  {
    std::lock_guard lock(mutex_);
    job_ = nullptr;
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace sentiment
