// Binary and softmax cross-entropy on logits, and probabilities and classes from logits.
#include "layers/loss.h"

#include <algorithm>

namespace sentiment {

template <typename F>
double bce_with_logits(F* dz, const F* z, const F* y, size_t B, F scale) noexcept {
  double total = 0.0;
  for (size_t n = 0; n < B; ++n) {
    const F v = z[n];
    total += std::max(v, F(0)) - v * y[n] + std::log1p(std::exp(-std::abs(v)));
    if (dz) dz[n] = (F(1) / (F(1) + std::exp(-v)) - y[n]) * scale;
  }
  return total;
}

template <typename F>
double cross_entropy(F* dlogits, const F* logits, const F* labels, size_t n, size_t num_classes,
                     F scale, std::span<const double> weights) noexcept {
  if (num_classes == 2 && weights.empty())
    return bce_with_logits(dlogits, logits, labels, n, scale);
  double total = 0.0;
  if (num_classes == 2) {
    for (size_t k = 0; k < n; ++k) {
      const auto w = static_cast<F>(weights[labels[k] > F(0.5) ? 1 : 0]);
      total += static_cast<double>(w) * bce_with_logits(dlogits ? dlogits + k : nullptr, logits + k,
                                                        labels + k, size_t{1}, scale * w);
    }
    return total;
  }
  const size_t K = num_classes;
  for (size_t k = 0; k < n; ++k) {
    const F* z = logits + k * K;
    const auto y = static_cast<size_t>(labels[k]);
    const double w = weights.empty() ? 1.0 : weights[y];
    const F top = *std::max_element(z, z + K);
    double sum = 0.0;
    for (size_t c = 0; c < K; ++c) sum += std::exp(static_cast<double>(z[c] - top));
    const double log_sum = std::log(sum);
    total += w * (log_sum - static_cast<double>(z[y] - top));
    if (dlogits) {
      F* dz = dlogits + k * K;
      for (size_t c = 0; c < K; ++c) {
        const double p = std::exp(static_cast<double>(z[c] - top) - log_sum);
        dz[c] = static_cast<F>(w * (p - (c == y ? 1.0 : 0.0))) * scale;
      }
    }
  }
  return total;
}

#define SENTIMENT_INSTANTIATE(F)                                                  \
  template double bce_with_logits<F>(F*, const F*, const F*, size_t, F) noexcept; \
  template double cross_entropy<F>(F*, const F*, const F*, size_t, size_t, F,     \
                                   std::span<const double>) noexcept;
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

size_t count_correct(const float* logits, const float* labels, size_t n, size_t num_classes) {
  size_t correct = 0;
  if (num_classes == 2) {
    for (size_t k = 0; k < n; ++k) correct += (logits[k] > 0.0f) == (labels[k] > 0.5f);
    return correct;
  }
  for (size_t k = 0; k < n; ++k) {
    const float* z = logits + k * num_classes;
    correct += static_cast<size_t>(std::max_element(z, z + num_classes) - z) ==
               static_cast<size_t>(labels[k]);
  }
  return correct;
}

std::vector<float> class_probabilities(const std::vector<float>& logits, size_t num_classes) {
  if (num_classes == 2) {
    std::vector<float> probs(logits.size() * 2);
    for (size_t n = 0; n < logits.size(); ++n) {
      const float p = sigmoid(logits[n]);
      probs[2 * n] = 1.0f - p;
      probs[2 * n + 1] = p;
    }
    return probs;
  }
  const size_t K = num_classes;
  std::vector<float> probs(logits.size());
  for (size_t n = 0; n < logits.size() / K; ++n) {
    const float* z = logits.data() + n * K;
    float* p = probs.data() + n * K;
    const float top = *std::max_element(z, z + K);
    double sum = 0.0;
    for (size_t k = 0; k < K; ++k) sum += p[k] = std::exp(z[k] - top);
    for (size_t k = 0; k < K; ++k) p[k] = static_cast<float>(p[k] / sum);
  }
  return probs;
}

std::vector<int32_t> predicted_classes(const std::vector<float>& logits, size_t num_classes) {
  if (num_classes == 2) {
    std::vector<int32_t> classes(logits.size());
    for (size_t n = 0; n < logits.size(); ++n) classes[n] = logits[n] > 0.0f ? 1 : 0;
    return classes;
  }
  const size_t K = num_classes;
  std::vector<int32_t> classes(logits.size() / K);
  for (size_t n = 0; n < classes.size(); ++n) {
    const float* z = logits.data() + n * K;
    classes[n] = static_cast<int32_t>(std::max_element(z, z + K) - z);
  }
  return classes;
}

}  // namespace sentiment
