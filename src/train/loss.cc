// Binary cross-entropy on the logit (through the dense kernel) or softmax cross-entropy,
// with optional class weights; and accuracy counts. Temporary: see loss.h.
#include "train/loss.h"

#include <algorithm>
#include <cmath>

#include "kernels/dense.h"

namespace sentiment {

double loss_and_gradient(float* dlogits, const float* logits, const float* labels, size_t n,
                         size_t num_classes, float scale, const std::vector<double>& weights) {
  if (num_classes == 2 && weights.empty())
    return kernels::bce_with_logits(dlogits, logits, labels, n, scale);
  double total = 0.0;
  if (num_classes == 2) {
    for (size_t k = 0; k < n; ++k) {
      const auto w = static_cast<float>(weights[labels[k] > 0.5f ? 1 : 0]);
      total += static_cast<double>(w) * kernels::bce_with_logits(dlogits ? dlogits + k : nullptr,
                                                                 logits + k, labels + k, size_t{1},
                                                                 scale * w);
    }
    return total;
  }
  const size_t K = num_classes;
  for (size_t k = 0; k < n; ++k) {
    const float* z = logits + k * K;
    const auto y = static_cast<size_t>(labels[k]);
    const double w = weights.empty() ? 1.0 : weights[y];
    const float top = *std::max_element(z, z + K);
    double sum = 0.0;
    for (size_t c = 0; c < K; ++c) sum += std::exp(static_cast<double>(z[c] - top));
    const double log_sum = std::log(sum);
    total += w * (log_sum - static_cast<double>(z[y] - top));
    if (dlogits) {
      float* dz = dlogits + k * K;
      for (size_t c = 0; c < K; ++c) {
        const double p = std::exp(static_cast<double>(z[c] - top) - log_sum);
        dz[c] = static_cast<float>(w * (p - (c == y ? 1.0 : 0.0))) * scale;
      }
    }
  }
  return total;
}

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

}  // namespace sentiment
