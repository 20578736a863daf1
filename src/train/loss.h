// The training losses on the output logits, and the count of correct rows. Temporary home:
// these two move to src/layers/loss.h (same names and signatures); then this file pair is
// deleted and its includes point there.
#pragma once

#include <cstddef>
#include <vector>

namespace sentiment {

// Summed loss of logits (n, outputs) against class-id labels, and the gradient with respect
// to the logits scaled by scale (dlogits may be null). weights: per class, or empty.
double loss_and_gradient(float* dlogits, const float* logits, const float* labels, size_t n,
                         size_t num_classes, float scale, const std::vector<double>& weights);

// Rows of logits (n, outputs) whose most probable class is their label.
size_t count_correct(const float* logits, const float* labels, size_t n, size_t num_classes);

}  // namespace sentiment
