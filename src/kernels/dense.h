// Dense layer y = x w + b and the losses on its logits.
//   dense:   y (B, O) = x (B, I) w (I, O) + b (O)
//   bce:     loss_n = max(z, 0) - z y + log(1 + exp(-|z|)), the stable form of binary
//            cross-entropy on the logit z; dL/dz = (sigmoid(z) - y) * scale.
#pragma once

#include <cstddef>

namespace sentiment::kernels {

template <typename F>
void dense_forward(F* y,        // (B, O)
                   const F* x,  // (B, I)
                   const F* w,  // (I, O)
                   const F* b,  // (O)
                   size_t B, size_t I, size_t O) noexcept;

template <typename F>
void dense_backward(F* dx,        // (B, I) accumulated (may be null)
                    F* dw,        // (I, O) accumulated
                    F* db,        // (O) accumulated
                    const F* dy,  // (B, O)
                    const F* x,   // (B, I)
                    const F* w,   // (I, O)
                    size_t B, size_t I, size_t O) noexcept;

// Returns the sum over the batch of the per-sample loss (accumulated in double); writes dz =
// (sigmoid(z) - y) * scale.
template <typename F>
double bce_with_logits(F* dz,       // (B) out (may be null)
                       const F* z,  // (B) logits
                       const F* y,  // (B) targets in {0, 1}
                       size_t B, F scale) noexcept;

}  // namespace sentiment::kernels
