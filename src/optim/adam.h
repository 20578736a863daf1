// Adam in the form Keras implements it (epsilon added to sqrt(v), bias correction folded
// into the step size):
//   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
//   alpha_t = lr sqrt(1 - b2^t) / (1 - b1^t);   p -= alpha_t m / (sqrt(v) + eps)
// Works on the model's flat parameter array, so one loop updates every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"

namespace sentiment {

// Half-open index range [begin, end) of the parameter array.
struct ParamRange {
  size_t begin = 0, end = 0;
};

struct AdamConfig {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
};

class Adam {
 public:
  Adam(const AdamConfig& config, size_t num_params);

  // One update with gradient grad (same size as params); increments the step count. With a
  // pool, fixed chunks of the arrays are updated in parallel (element-wise, so the result
  // is the same for any thread count).
  void step(std::span<float> params, std::span<const float> grad, ThreadPool* pool = nullptr);
  // The same step, applied only to the parameters inside `ranges` (in order, not
  // overlapping): the others and their moments stay as they are (lazy Adam, as TensorFlow's
  // LazyAdam and PyTorch's SparseAdam do for embedding rows a batch did not use). The step
  // count and bias correction are global.
  void step(std::span<float> params, std::span<const float> grad,
            std::span<const ParamRange> ranges, ThreadPool* pool = nullptr);

  // A step in parts, for callers that apply one step's update to different parameters at
  // different times: begin_step() counts the step and returns its coefficients; update()
  // applies them to `ranges` and, with clear_grad, zeroes each gradient element it read, so
  // the gradient buffer is ready for the next accumulation without another pass.
  // step() is begin_step() followed by update() over its ranges. An update() without a pool
  // may run on another thread beside one with a pool, over other ranges.
  struct StepCoefficients {
    float b1 = 0, b2 = 0, alpha = 0, eps = 0;
  };
  StepCoefficients begin_step();
  void update(std::span<float> params, std::span<float> grad, std::span<const ParamRange> ranges,
              const StepCoefficients& k, bool clear_grad, ThreadPool* pool = nullptr);

  int64_t steps() const { return t_; }
  const AdamConfig& config() const { return config_; }
  // Learning-rate schedules change the rate between steps.
  void set_learning_rate(double lr) { config_.learning_rate = lr; }

  // The moment estimates and step count, for checkpoints; restore() checks the sizes.
  const std::vector<float>& m() const { return m_; }
  const std::vector<float>& v() const { return v_; }
  void restore(std::vector<float> m, std::vector<float> v, int64_t steps);

 private:
  void check(size_t params, size_t grad, std::span<const ParamRange> ranges) const;
  // Updates with gradient g, or with clear (the same buffer, writable) zeroing it as it goes.
  void run(float* p, const float* g, float* clear, std::span<const ParamRange> ranges,
           const StepCoefficients& k, ThreadPool* pool);

  AdamConfig config_;
  std::vector<float> m_, v_;
  int64_t t_ = 0;
  std::vector<ParamRange> pieces_;  // step's work split into pieces, kept between steps
  std::vector<size_t> tasks_;       // pieces_[tasks_[i] .. tasks_[i + 1]) form task i
};

}  // namespace sentiment
