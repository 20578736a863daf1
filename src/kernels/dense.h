// Dense layer: y (B, O) = x (B, I) w (I, O) + b (O). Backward accumulates dx, dw and db.
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

}  // namespace sentiment::kernels
