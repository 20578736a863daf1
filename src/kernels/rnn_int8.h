// Inference-only time loops on int8 recurrent weights: each step's (b_t, H) x (H, G H)
// product h_{t-1} U runs in int8 (kernels/int8.h: U per output column, h_{t-1} per row,
// quantized afresh every step) and everything else (input projection, gates, state) stays
// float. Same packed layout and cell equations as kernels/lstm.h, gru.h and simple_rnn.h;
// no recurrent dropout (inference). One signature for the three cells:
//   h_seq (B+N, H) out; the LSTM starts from the state in the first B rows of h_seq and c_seq
//     (B+N, H) (callers zero them for a zero state), GRU and SimpleRNN from zero;
//   gates: LSTM (N, 4H) workspace; GRU (N, 4H) out: z, r, n, hh; SimpleRNN (N, H) workspace;
//   xbase: packed row p's input projection x W + b is xbase + xindex[p] G (LSTM), or
//     xbase + p G when xindex is null (GRU and SimpleRNN always; then xbase may equal gates
//     for the LSTM and SimpleRNN: in place);
//   b: the bias (the GRU reads its recurrent half); scratch: rnn_int8_scratch_size floats;
//   qscratch: int8_gemm_scratch_size(B, H) values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/int8.h"
#include "kernels/rnn.h"

namespace sentiment::kernels {

using RnnRecurrenceInt8 = void(float* h_seq, float* c_seq, float* gates, float* scratch,
                               int16_t* qscratch, const float* xbase, const uint32_t* xindex,
                               const Int8Matrix& U, const float* b, RnnDims d) noexcept;

// The GRU's (B, 3H) recurrent projection, then the rows' scales (B).
inline size_t rnn_int8_scratch_size(CellType cell, const RnnDims& d) {
  return (cell == CellType::kGru ? 3 * d.B * d.H : 0) + d.B;
}

namespace cpu {

RnnRecurrenceInt8 lstm_recurrence_int8;
RnnRecurrenceInt8 gru_recurrence_int8;
RnnRecurrenceInt8 simple_rnn_recurrence_int8;

// Whether a layer of this cell and H runs faster with int8 step products than with the float
// ones on this CPU, so that quantized models run them there by default: everywhere a VNNI
// variant runs; with AVX2 alone wherever the float step is a GEMM plus a pointwise pass (GRU,
// SimpleRNN, an LSTM without a fused step), not where the register-blocked fused float LSTM
// step runs, which the AVX2 int8 step does not beat (docs/quantize.md).
bool int8_steps_pay(CellType cell, size_t H) noexcept;

}  // namespace cpu
}  // namespace sentiment::kernels
