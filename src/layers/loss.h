// The losses on the output logits, and logits turned into probabilities and classes: the one
// place in the project for each. O outputs per row: one logit z for two classes, K logits
// for K > 2.
//   binary:  loss = max(z, 0) - z y + log(1 + exp(-|z|))   (BCE on the logit, stable form)
//            dL/dz = (sigmoid(z) - y) * scale
//   softmax: loss = log sum_k exp(z_k) - z_y                (cross-entropy, max subtracted)
//            dL/dz_k = (p_k - [k == y]) * scale
// Class weights w_y multiply a row's loss and its gradient.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sentiment {

// Sum over the rows of the binary loss (accumulated in double); writes dz when not null.
template <typename F>
double bce_with_logits(F* dz,       // (B) out, may be null
                       const F* z,  // (B) logits
                       const F* y,  // (B) targets in {0, 1}
                       size_t B, F scale) noexcept;

// Sum over the rows of the loss of logits (n, O) against class-id labels (n): BCE for two
// classes, softmax cross-entropy otherwise; dlogits (n, O) gets the gradient scaled by
// scale when not null. weights: one per class, or empty for all 1.
template <typename F>
double cross_entropy(F* dlogits,       // (n, O) out, may be null
                     const F* logits,  // (n, O)
                     const F* labels,  // (n) class ids
                     size_t n, size_t num_classes, F scale,
                     std::span<const double> weights) noexcept;

// The model's loss in float, as training and evaluation use it.
inline double loss_and_gradient(float* dlogits, const float* logits, const float* labels, size_t n,
                                size_t num_classes, float scale,
                                const std::vector<double>& weights) {
  return cross_entropy<float>(dlogits, logits, labels, n, num_classes, scale, weights);
}

// Rows whose most probable class is their label.
size_t count_correct(const float* logits,  // (n, O)
                     const float* labels,  // (n)
                     size_t n, size_t num_classes);

inline float sigmoid(float logit) {
  return 1.0f / (1.0f + std::exp(-logit));
}

// Class probabilities (n, num_classes) from logits (n, outputs): for two classes
// (1 - sigmoid, sigmoid), else a softmax per row.
std::vector<float> class_probabilities(const std::vector<float>& logits, size_t num_classes);

// Index of the most probable class of each row of logits (n, outputs).
std::vector<int32_t> predicted_classes(const std::vector<float>& logits, size_t num_classes);

}  // namespace sentiment
