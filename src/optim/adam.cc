// Adam update; the loop is element-wise over contiguous arrays and vectorises.
#include "optim/adam.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.h"

namespace sentiment {

Adam::Adam(const AdamConfig& config, size_t num_params)
    : config_(config), m_(num_params, 0.0f), v_(num_params, 0.0f) {}

void Adam::step(std::span<float> params, std::span<const float> grad, ThreadPool* pool) {
  if (params.size() != m_.size() || grad.size() != m_.size())
    throw Error("adam: got " + std::to_string(params.size()) + " parameters and " +
                std::to_string(grad.size()) + " gradients, expected " + std::to_string(m_.size()));
  ++t_;
  const double t = static_cast<double>(t_);
  const double alpha = config_.learning_rate * std::sqrt(1.0 - std::pow(config_.beta2, t)) /
                       (1.0 - std::pow(config_.beta1, t));
  const float b1 = static_cast<float>(config_.beta1), b2 = static_cast<float>(config_.beta2);
  const float a = static_cast<float>(alpha), eps = static_cast<float>(config_.epsilon);
  float* __restrict p = params.data();
  const float* __restrict g = grad.data();
  float* __restrict m = m_.data();
  float* __restrict v = v_.data();
  const size_t n = m_.size();
  auto update = [=](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      m[k] = b1 * m[k] + (1.0f - b1) * g[k];
      v[k] = b2 * v[k] + (1.0f - b2) * g[k] * g[k];
      p[k] -= a * m[k] / (std::sqrt(v[k]) + eps);
    }
  };
  // The update is memory-bound (four arrays streamed once); chunks of 64K floats give each
  // thread long runs while splitting the recipe's 673K parameters across cores.
  constexpr size_t kChunk = 1 << 16;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  if (pool == nullptr || pool->size() == 1 || chunks < 2) {
    update(0, n);
    return;
  }
  pool->parallel_for(chunks,
                     [&](size_t c, size_t) { update(c * kChunk, std::min(n, (c + 1) * kChunk)); });
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
