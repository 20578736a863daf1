// The output layer: y = x w + b over a batch of feature rows, through the backend's dense
// kernels. Backward accumulates dw and db, and dx when asked.
#pragma once

#include <cstddef>

#include "kernels/backend.h"

namespace sentiment {

template <typename F>
struct DenseParams {
  F* kernel;  // (I, O)
  F* bias;    // (O)
};

template <typename F>
void dense_forward(F* y,        // (B, O)
                   const F* x,  // (B, I)
                   DenseParams<const F> w, size_t B, size_t I, size_t O) noexcept {
  kernels::backend<F>().dense_forward(y, x, w.kernel, w.bias, B, I, O);
}

template <typename F>
void dense_backward(F* dx,              // (B, I) accumulated, may be null
                    DenseParams<F> dw,  // accumulated
                    const F* dy,        // (B, O)
                    const F* x,         // (B, I)
                    DenseParams<const F> w, size_t B, size_t I, size_t O) noexcept {
  kernels::backend<F>().dense_backward(dx, dw.kernel, dw.bias, dy, x, w.kernel, B, I, O);
}

}  // namespace sentiment
