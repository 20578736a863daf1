// Adam update; the loop is element-wise over contiguous arrays and vectorises.
#include "optim/adam.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/multiversion.h"

namespace sentiment {

Adam::Adam(const AdamConfig& config, size_t num_params)
    : config_(config), m_(num_params, 0.0f), v_(num_params, 0.0f) {}

namespace {

// The element-wise update over [begin, end). Vectorised (sqrt and division included: this file
// is built with -fno-math-errno) and compiled for AVX-512, AVX2 and baseline x86-64, all
// with the same roundings per element (-ffp-contract=off: no fused multiply-adds), so the
// update does not depend on which clone the CPU runs.
template <bool kClear, typename G>
inline __attribute__((always_inline)) void adam_loop(float* __restrict p, G* __restrict g,
                                                     float* __restrict m, float* __restrict v,
                                                     size_t begin, size_t end, float b1, float b2,
                                                     float a, float eps) {
  for (size_t k = begin; k < end; ++k) {
    const float gk = g[k];
    if constexpr (kClear) g[k] = 0.0f;
    m[k] = b1 * m[k] + (1.0f - b1) * gk;
    v[k] = b2 * v[k] + (1.0f - b2) * gk * gk;
    p[k] -= a * m[k] / (std::sqrt(v[k]) + eps);
  }
}

SENTIMENT_MULTIVERSION
void adam_update(float* p, const float* g, float* m, float* v, size_t begin, size_t end, float b1,
                 float b2, float a, float eps) {
  adam_loop<false>(p, g, m, v, begin, end, b1, b2, a, eps);
}

// The same update, zeroing each gradient element once read.
SENTIMENT_MULTIVERSION
void adam_update_clear(float* p, float* g, float* m, float* v, size_t begin, size_t end, float b1,
                       float b2, float a, float eps) {
  adam_loop<true>(p, g, m, v, begin, end, b1, b2, a, eps);
}

}  // namespace

void Adam::step(std::span<float> params, std::span<const float> grad, ThreadPool* pool) {
  const ParamRange all{0, params.size()};
  step(params, grad, std::span<const ParamRange>(&all, 1), pool);
}

void Adam::step(std::span<float> params, std::span<const float> grad,
                std::span<const ParamRange> ranges, ThreadPool* pool) {
  check(params.size(), grad.size(), ranges);
  const StepCoefficients k = begin_step();
  run(params.data(), grad.data(), nullptr, ranges, k, pool);
}

Adam::StepCoefficients Adam::begin_step() {
  ++t_;
  const double t = static_cast<double>(t_);
  const double alpha = config_.learning_rate * std::sqrt(1.0 - std::pow(config_.beta2, t)) /
                       (1.0 - std::pow(config_.beta1, t));
  return {static_cast<float>(config_.beta1), static_cast<float>(config_.beta2),
          static_cast<float>(alpha), static_cast<float>(config_.epsilon)};
}

void Adam::update(std::span<float> params, std::span<float> grad,
                  std::span<const ParamRange> ranges, const StepCoefficients& k, bool clear_grad,
                  ThreadPool* pool) {
  check(params.size(), grad.size(), ranges);
  run(params.data(), grad.data(), clear_grad ? grad.data() : nullptr, ranges, k, pool);
}

void Adam::check(size_t params, size_t grad, std::span<const ParamRange> ranges) const {
  if (params != m_.size() || grad != m_.size())
    throw Error("adam: got " + std::to_string(params) + " parameters and " + std::to_string(grad) +
                " gradients, expected " + std::to_string(m_.size()));
  for (const ParamRange& r : ranges)
    if (r.begin > r.end || r.end > m_.size())
      throw Error("adam: range [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                  ") is outside the " + std::to_string(m_.size()) + " parameters");
}

void Adam::run(float* p, const float* g, float* clear, std::span<const ParamRange> ranges,
               const StepCoefficients& k, ThreadPool* pool) {
  float* m = m_.data();
  float* v = v_.data();
  auto update = [=](size_t begin, size_t end) {
    if (clear)
      adam_update_clear(p, clear, m, v, begin, end, k.b1, k.b2, k.alpha, k.eps);
    else
      adam_update(p, g, m, v, begin, end, k.b1, k.b2, k.alpha, k.eps);
  };
  if (pool == nullptr || pool->size() == 1) {
    for (const ParamRange& r : ranges) update(r.begin, r.end);
    return;
  }
  // The update is memory-bound (four arrays streamed once). Work is cut into tasks of
  // about 64K floats: long ranges split, short ones (embedding rows) grouped; each thread
  // then gets long runs while the recipe's 673K parameters still spread across cores.
  constexpr size_t kChunk = 1 << 16;
  std::vector<ParamRange>& pieces = pieces_;
  std::vector<size_t>& tasks = tasks_;
  pieces.clear();
  tasks.assign(1, 0);
  size_t filled = 0;
  for (const ParamRange& r : ranges)
    for (size_t b = r.begin; b < r.end; b += kChunk) {
      pieces.push_back({b, std::min(r.end, b + kChunk)});
      filled += pieces.back().end - b;
      if (filled >= kChunk) {
        tasks.push_back(pieces.size());
        filled = 0;
      }
    }
  if (tasks.back() != pieces.size()) tasks.push_back(pieces.size());
  const size_t n_tasks = tasks.size() - 1;
  auto run_task = [&](size_t task) {
    for (size_t i = tasks[task]; i < tasks[task + 1]; ++i) update(pieces[i].begin, pieces[i].end);
  };
  if (n_tasks < 2) {
    for (size_t task = 0; task < n_tasks; ++task) run_task(task);
    return;
  }
  pool->parallel_for(n_tasks, [&](size_t task, size_t) { run_task(task); });
}

void Adam::restore(std::vector<float> m, std::vector<float> v, int64_t steps) {
  if (m.size() != m_.size() || v.size() != v_.size())
    throw Error("optimizer state has " + std::to_string(m.size()) + " moments, expected " +
                std::to_string(m_.size()));
  if (steps < 0) throw Error("optimizer state has a negative step count");
  m_ = std::move(m);
  v_ = std::move(v);
  t_ = steps;
}

}  // namespace sentiment
