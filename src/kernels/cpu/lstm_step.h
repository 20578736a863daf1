// Fused recurrent steps: the per-step GEMM with the recurrent weights and the pointwise
// cell pass in one register-blocked kernel, so the step's gates never leave registers
// between the multiply and the nonlinearities, and no GEMM packing happens per step.
// Variants for AVX-512 (16 lanes) and AVX2+FMA (8 lanes) are chosen at run time; each
// function returns false when no variant applies (H not a multiple of twice the lane count,
// or a CPU without AVX2+FMA) and the caller falls back to GEMM + cell pass.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sentiment::kernels::cpu {

// Packs the recurrent weights U (H, 4H) once per sequence pass into the layouts the fused
// steps read: Up for forward, UTp (from U^T) for backward, 4H^2 floats each (either may be
// null). Only valid when lstm_step_fused_available(H).
void lstm_step_pack(float* Up, float* UTp, const float* U, size_t H) noexcept;

// Forward step t. Row r's input projection x_t W + b (4H) is xbase + xindex[r] * 4H, or
// xbase + r * 4H when xindex is null (a per-word table's rows, for instance, are read in
// place). z (B, 4H) out: the activated gates (i, f, g, o), or null when nothing keeps them
// (inference); z may equal xbase with xindex null (in place). h, c (B, H) out: h_t, c_t.
// h_prev, c_prev (B, H): h_{t-1}, c_{t-1}. U: packed by lstm_step_pack.
void lstm_step_forward_fused(float* h, float* c, float* z, const float* xbase,
                             const uint32_t* xindex, const float* h_prev, const float* c_prev,
                             const float* U, size_t B, size_t H) noexcept;

// Backward from step t to t-1 for the first B rows (those that have a step t):
// dh_{t-1} = (dz_t U^T) * rmask + dh_add (UT: packed by lstm_step_pack), then the cell backward
// of step t-1 in the same pass. dz_prev (B, 4H) out: pre-activation gradients of step t-1.
// dc (B, H) in: dL/dc_{t-1} from the later steps, out: dL/dc_{t-2}. dz (B, 4H): step t's
// pre-activation gradients. gates_prev (B, 4H), c_prev (B, H), c_prev2 (B, H): activated
// gates, c_{t-1} and c_{t-2} from forward. rmask (B, H): recurrent dropout mask, or null.
// dh_add (B, H): the loss's own dL/dh_{t-1}, or null.
void lstm_step_backward_fused(float* dz_prev, float* dc, const float* dz, const float* UT,
                              const float* gates_prev, const float* c_prev, const float* c_prev2,
                              const float* rmask, const float* dh_add, size_t B, size_t H) noexcept;

// True when the fused kernels run for this H on this CPU: the precondition of both steps
// above (callers check it once, before their time loop).
bool lstm_step_fused_available(size_t H) noexcept;

// Which fused variant runs on this CPU: "avx512", "avx2" or "none".
const char* lstm_step_variant() noexcept;

}  // namespace sentiment::kernels::cpu
